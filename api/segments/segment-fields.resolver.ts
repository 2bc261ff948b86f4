import DataLoader from 'dataloader';
import { asc, inArray } from 'drizzle-orm';
import { Args, Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';
import { memoized, ROLES, requireRole, type RequestContext } from '../context.js';
import { BadInputError } from '../errors.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { categories, segmentVersions, type CategoryRow, type ProfileRow, type SegmentRow, type SegmentVersionRow } from '../../drizzle/index.js';
import { ProfileConnection } from '../profiles/profiles.type.js';
import { CategoryType } from './categories.resolver.js';
import { edgeReachCounts, segmentSize } from './segments.loaders.js';
import { EdgeReach } from './edge-reach.type.js';
import type { EdgeReachCounts } from '../events/edge-reach.js';
import { segmentWarnings } from './segment-warnings.js';
import type { RuleProblem } from '../../schema/validate.js';
import { listMembers, reachability, sizeHistory, type ReachabilityCounts } from './segments.queries.js';
import { Reachability, RuleProblemType, RuleScopeEnum, SegmentType, SegmentVersionType, SizePoint } from './segments.type.js';

function versionsOf(ctx: RequestContext): DataLoader<string, SegmentVersionRow[]> {
  return memoized(ctx, 'segments.versions', () =>
    new DataLoader<string, SegmentVersionRow[]>(async (ids) => {
      const rows = await ctx.db.select().from(segmentVersions).where(inArray(segmentVersions.segmentId, [...ids])).orderBy(asc(segmentVersions.version));
      return ids.map((id) => rows.filter((r) => r.segmentId === id));
    }),
  );
}

function categoryOf(ctx: RequestContext): DataLoader<string, CategoryRow | null> {
  return memoized(ctx, 'segments.category', () =>
    new DataLoader<string, CategoryRow | null>(async (ids) => {
      const rows = await ctx.db.select().from(categories).where(inArray(categories.id, [...ids]));
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
  );
}

@Resolver(() => SegmentType)
export class SegmentFieldResolver {
  @FieldResolver(() => Int, { description: 'Members once published (or static); for a draft, what its latest rule matches now.' })
  size(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<number> {
    requireRole(ctx, ROLES.read);
    return segmentSize(ctx, segment);
  }

  @FieldResolver(() => ProfileConnection, { description: 'The members, longest-standing first.' })
  members(@Root() segment: SegmentRow, @Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<ProfileRow>> {
    requireRole(ctx, ROLES.read);
    return listMembers(ctx.db, segment.id, pageRequest(args));
  }

  @FieldResolver(() => [SegmentVersionType], { description: 'Every version, oldest first.' })
  async versions(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<SegmentVersionRow[]> {
    requireRole(ctx, ROLES.read);
    return versionsOf(ctx).load(segment.id);
  }

  @FieldResolver(() => JSONScalar, { nullable: true, description: 'The rule of the latest version (null for a static segment).' })
  async rule(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<unknown> {
    requireRole(ctx, ROLES.read);
    const versions = await versionsOf(ctx).load(segment.id);
    return versions.find((v) => v.version === segment.currentVersion)?.rule ?? null;
  }

  @FieldResolver(() => RuleScopeEnum, { description: 'EDGE when the latest version can be evaluated at the edge.' })
  async scope(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<RuleScopeEnum> {
    requireRole(ctx, ROLES.read);
    const versions = await versionsOf(ctx).load(segment.id);
    return (versions.find((v) => v.version === segment.currentVersion)?.scope ?? segment.scope) as RuleScopeEnum;
  }

  @FieldResolver(() => [RuleProblemType], { description: 'What is valid but probably wrong in the latest rule, against what the workspace has tracked until now (as validateRule gives them); never blocks saving.' })
  warnings(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<RuleProblem[]> {
    const caller = requireRole(ctx, ROLES.read);
    return segmentWarnings(ctx, caller.workspaceId).load(segment);
  }

  @FieldResolver(() => [SizePoint], { description: 'Recorded sizes over time (a point whenever the size changed), oldest first.' })
  sizeHistory(
    @Root() segment: SegmentRow,
    @Arg('last', () => Int, { nullable: true, description: 'How many of the latest points (default 100, at most 1,000).' }) last: number | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Array<{ at: Date; size: number }>> {
    requireRole(ctx, ROLES.read);
    const limit = last ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadInputError('last: must be between 1 and 1000', { problems: [{ path: 'last', message: 'out of range' }] });
    return sizeHistory(ctx.db, segment.id, limit);
  }

  @FieldResolver(() => Reachability, { description: 'Members reachable by e-mail, phone, edge visitor id and ads.' })
  reachability(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<ReachabilityCounts> {
    requireRole(ctx, ROLES.read);
    return reachability(ctx.db, segment.id);
  }

  @FieldResolver(() => EdgeReach, {
    description:
      'Distinct visitors the edge tagged with it over the last day, 7 and 30 days (any segment the edge tags: EDGE rules for every visitor, PROFILE ones for identified members). previewSegment replays an unsaved EDGE rule the same way.',
  })
  edgeReach(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<EdgeReachCounts> {
    requireRole(ctx, ROLES.read);
    return edgeReachCounts(ctx).load(segment.id);
  }

  @FieldResolver(() => CategoryType, { nullable: true, description: 'Its category; null when it has none.' })
  category(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<CategoryRow | null> | null {
    requireRole(ctx, ROLES.read);
    return segment.categoryId ? categoryOf(ctx).load(segment.categoryId) : null;
  }
}
