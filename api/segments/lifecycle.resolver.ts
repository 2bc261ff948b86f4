import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { createLifecycleSegments } from './lifecycle.service.js';
import { SegmentType } from './segments.type.js';

@Resolver()
export class LifecycleResolver {
  @Mutation(() => [SegmentType], {
    description:
      'Creates the 13 lifecycle segments (prospect ... advocate) in a "Lifecycle" category, declaring the traits they read. ' +
      'parameters overrides thresholds, e.g. {"newWithinDays": 60}; all or nothing.',
  })
  async createLifecycleSegments(
    @Arg('parameters', () => JSONScalar, { nullable: true }) parameters: unknown,
    @Arg('publish', () => Boolean, { defaultValue: true }) publish: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow[]> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return createLifecycleSegments(ctx.db, caller.workspaceId, parameters ?? undefined, { publish, now: ctx.now });
  }
}
