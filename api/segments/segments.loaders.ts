/**
 * Per-request DataLoaders of segment fields: member counts of many segments in one query, and the
 * live size of drafts (their latest rule evaluated now).
 */
import DataLoader from 'dataloader';
import { inArray, sql } from 'drizzle-orm';
import { memoized, type RequestContext } from '../context.js';
import { segmentMembers, type SegmentRow } from '../../drizzle/index.js';
import { SegmentService } from './segments.service.js';
import { edgeReachOf, type EdgeReachCounts } from '../events/edge-reach.js';

export function memberCounts(ctx: RequestContext): DataLoader<string, number> {
  return memoized(ctx, 'segments.memberCounts', () =>
    new DataLoader<string, number>(async (ids) => {
      const rows = await ctx.db
        .select({ segmentId: segmentMembers.segmentId, n: sql<number>`count(*)::int` })
        .from(segmentMembers)
        .where(inArray(segmentMembers.segmentId, [...ids]))
        .groupBy(segmentMembers.segmentId);
      const counts = new Map(rows.map((r) => [r.segmentId, r.n]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  );
}

/** The size shown for a segment: its members once published (or static), else a live count of its draft rule. */
export async function segmentSize(ctx: RequestContext, segment: SegmentRow): Promise<number> {
  if (segment.type === 'static' || segment.status === 'published') return memberCounts(ctx).load(segment.id);
  return new SegmentService(ctx.db, segment.workspaceId, () => ctx.now, ctx.previews).size(segment);
}

/** Edge reach (distinct visitors tagged over 1, 7 and 30 days) of many segments in one query. */
export function edgeReachCounts(ctx: RequestContext): DataLoader<string, EdgeReachCounts> {
  return memoized(ctx, 'segments.edgeReach', () =>
    new DataLoader<string, EdgeReachCounts>(async (ids) => {
      const counts = await edgeReachOf(ctx.db, ids, ctx.now);
      return ids.map((id) => counts.get(id)!);
    }),
  );
}
