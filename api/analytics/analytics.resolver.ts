/** Segment analytics in GraphQL: overlap, A/B splits, and the health, KPIs and splits of a Segment. */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { SegmentType } from '../segments/segments.type.js';
import { ChartKindEnum, ChartLink, SegmentHealth, SegmentKpis, SegmentOverlap, SegmentSplitType, SplitAssignment, SplitVariantInput } from './analytics.type.js';
import { chartPath, signChartLink } from './chart-links.js';
import { healthOf, kpisOf, splitsOf } from './analytics.loaders.js';
import { checkPeriod, type Kpis } from './kpis.service.js';
import { computeOverlap, type Overlap } from './overlap.service.js';
import { segmentInWorkspace, segmentsForOverlap } from './segments.lookup.js';
import { BadInputError } from '../errors.js';
import { countSplits, defineSplit, splitAssignment, type SplitCounts } from './splits.service.js';

@Resolver()
export class AnalyticsResolver {
  @Query(() => SegmentOverlap, { description: 'Sizes, pairwise intersections and Jaccard indexes of 2 to 20 segments, with the pairs that should be merged.' })
  async segmentOverlap(@Arg('segmentIds', () => [ID], { description: '2 to 20 distinct segments of this workspace (Segment.id).' }) segmentIds: string[], @Ctx() ctx: RequestContext): Promise<Overlap & { mergeCandidates: Overlap['pairs'] }> {
    const caller = requireRole(ctx, ROLES.read);
    const overlap = await computeOverlap(ctx.db, await segmentsForOverlap(ctx.db, caller.workspaceId, segmentIds));
    return { ...overlap, mergeCandidates: overlap.pairs.filter((p) => p.shouldMerge) };
  }

  @Query(() => ChartLink, {
    description:
      'A link to a chart (SVG) that a browser can open without an API key for 15 minutes: the size history of one segment, or the overlap heatmap of 2 to 20. Signed for your key: revoking the key ends its links.',
  })
  async chartLink(
    @Arg('chart', () => ChartKindEnum, { description: 'Which chart to draw.' }) chart: ChartKindEnum,
    @Arg('segmentIds', () => [ID], { description: 'SIZE_HISTORY: one segment; OVERLAP: 2 to 20.' }) segmentIds: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<ChartLink> {
    const caller = requireRole(ctx, ROLES.read);
    let ids: string[];
    if (chart === ChartKindEnum.SIZE_HISTORY) {
      if (segmentIds.length !== 1) throw new BadInputError(`segmentIds: a size history chart shows one segment, not ${segmentIds.length}`, { field: 'segmentIds' });
      ids = [(await segmentInWorkspace(ctx.db, caller.workspaceId, segmentIds[0]!)).id];
    } else {
      ids = (await segmentsForOverlap(ctx.db, caller.workspaceId, segmentIds)).map((s) => s.id);
    }
    const signed = await signChartLink(ctx.db, chartPath(chart, ids), caller, ctx.now);
    return { url: `${ctx.origin ?? ''}${signed.path}`, expiresAt: signed.expiresAt };
  }

  @Query(() => SplitAssignment, { description: 'The variant a profile gets in a split of a segment: the same every time.' })
  async splitAssignment(
    @Arg('segmentId', () => ID, { description: 'The segment of the split (Segment.id).' }) segmentId: string,
    @Arg('name', () => String, { description: 'The split name (NOT_FOUND when the segment has none of that name).' }) name: string,
    @Arg('profileId', () => ID, { description: 'Any profile of this workspace (Profile.id), member or not.' }) profileId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<SplitAssignment> {
    const caller = requireRole(ctx, ROLES.read);
    return splitAssignment(ctx.db, caller.workspaceId, segmentId, name, profileId);
  }

  @Mutation(() => SegmentSplitType, { description: 'Defines an A/B split of a segment (2 to 10 variants, unique names, weights > 0). Immutable once defined.' })
  async defineSplit(
    @Arg('segmentId', () => ID, { description: 'A segment of this workspace that is not archived (Segment.id).' }) segmentId: string,
    @Arg('name', () => String, { description: 'The split name, 1 to 64 characters; defining the same split again is harmless, other variants are a CONFLICT.' }) name: string,
    @Arg('variants', () => [SplitVariantInput], { description: '2 to 10 variants with unique names and weights > 0.' }) variants: SplitVariantInput[],
    @Ctx() ctx: RequestContext,
  ): Promise<SplitCounts> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    const split = await defineSplit(ctx.db, caller.workspaceId, segmentId, name, variants);
    const [counted] = await countSplits(ctx.db, [split]);
    return counted!;
  }
}

@Resolver(() => SegmentType)
export class AnalyticsFieldResolver {
  @FieldResolver(() => SegmentHealth, { description: 'Measurable, substantial, stable, accessible, distinct: a verdict on each with its figures.' })
  health(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext) {
    requireRole(ctx, ROLES.read);
    return healthOf(ctx).load(segment);
  }

  @FieldResolver(() => SegmentKpis, { description: 'Conversion rate and revenue per member of the current members over [from, to) (at most 366 days).' })
  kpis(
    @Root() segment: SegmentRow,
    @Arg('from', () => GraphQLDateTime, { description: 'Start of the period, inclusive.' }) from: Date,
    @Arg('to', () => GraphQLDateTime, { description: 'End of the period, exclusive; at most 366 days after from.' }) to: Date,
    @Ctx() ctx: RequestContext,
  ): Promise<Kpis> {
    requireRole(ctx, ROLES.read);
    return kpisOf(ctx).load({ segmentId: segment.id, period: checkPeriod(from, to) });
  }

  @FieldResolver(() => [SegmentSplitType], { description: 'A/B splits of this segment with the members of each variant, oldest first.' })
  splits(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<SplitCounts[]> {
    requireRole(ctx, ROLES.read);
    return splitsOf(ctx).load(segment.id);
  }
}
