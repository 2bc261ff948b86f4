import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { LIFECYCLE_PARAMETER_INFO } from '../../schema/lifecycle.js';
import { createLifecycleSegments, lifecycleCatalogue } from './lifecycle.service.js';
import { LifecycleParameter, LifecycleTemplate } from './lifecycle.type.js';
import { SegmentType } from './segments.type.js';

const PARAMETERS_ARG = 'Thresholds to apply, by name, e.g. {"newWithinDays": 60}; the others keep their defaults. Every bad name or value is BAD_USER_INPUT with its path.';

@Resolver()
export class LifecycleResolver {
  @Query(() => [LifecycleTemplate], {
    description:
      'The 13 lifecycle templates of createLifecycleSegments in their 4 categories (Prospects, Good, Bad and Great customers), each with its rule, its meaning and the thresholds it reads (default, value in effect, bounds). Nothing is created.',
  })
  lifecycleTemplates(
    @Arg('parameters', () => JSONScalar, { nullable: true, description: PARAMETERS_ARG }) parameters: unknown,
    @Ctx() ctx: RequestContext,
  ): LifecycleTemplate[] {
    requireRole(ctx, ROLES.read);
    const catalogue = lifecycleCatalogue(parameters);
    const usedBy = (name: string) => catalogue.templates.filter((t) => (t.parameters as string[]).includes(name)).map((t) => t.slug);
    const info = new Map(
      LIFECYCLE_PARAMETER_INFO.map((p): [string, LifecycleParameter] => [p.name, { ...p, value: catalogue.parameters[p.name], usedBy: usedBy(p.name) }]),
    );
    return catalogue.templates.map((t) => ({ ...t, parameters: t.parameters.map((name) => info.get(name)!) }));
  }

  @Mutation(() => [SegmentType], {
    description:
      'Creates the 13 lifecycle segments (prospect ... advocate; see lifecycleTemplates), each in its category (Prospects, Good customers, Bad customers, Great customers: created when missing), declaring the traits they read. ' +
      'parameters overrides thresholds, e.g. {"newWithinDays": 60}; all or nothing.',
  })
  async createLifecycleSegments(
    @Arg('parameters', () => JSONScalar, { nullable: true, description: PARAMETERS_ARG }) parameters: unknown,
    @Arg('publish', () => Boolean, { defaultValue: true, description: 'Publish the segments at once (members computed, live at the edge); false leaves them as drafts.' }) publish: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow[]> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return createLifecycleSegments(ctx.db, caller.workspaceId, parameters ?? undefined, { publish, now: ctx.now });
  }
}
