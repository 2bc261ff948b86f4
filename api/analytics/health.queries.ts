/**
 * The facts segment health is judged on, for many segments at once (the health DataLoader): member
 * value and reachability grouped by segment, size history around the stability window, overlaps
 * with every other segment that has members, and the workspace's profile count.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { profiles, segmentMembers, segmentSizeHistory, segments } from '../../drizzle/index.js';
import { REACH_COUNTS, type ReachabilityCounts } from '../segments/segments.queries.js';
import type { HealthFacts } from './health.verdicts.js';
import { STABILITY_WINDOW_DAYS } from './thresholds.js';
import { edgeReachBlocks, edgeReachNeighbours, edgeReachOf, workspaceVisitors } from '../events/edge-reach.js';
import { EDGE_STABILITY_BLOCK_DAYS, EDGE_STABILITY_BLOCKS, type EdgeFacts } from './health.edge.js';
import { SegmentService } from '../segments/segments.service.js';
import type { RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';

type Facts = Omit<HealthFacts, 'segment' | 'size' | 'materialised'>;

const idList = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);

async function memberStats(db: Database, ids: readonly string[]): Promise<Map<string, { value: number; reach: ReachabilityCounts }>> {
  const rows = await db
    .select({
      segmentId: segmentMembers.segmentId,
      value: sql<number>`coalesce(sum(${profiles.purchaseTotal}), 0)::float8`,
      ...REACH_COUNTS,
    })
    .from(segmentMembers)
    .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
    .where(sql`${segmentMembers.segmentId} in (${idList(ids)})`)
    .groupBy(segmentMembers.segmentId);
  return new Map(
    rows.map((r) => [
      r.segmentId,
      { value: Number(r.value), reach: { total: r.total, email: r.email, phone: r.phone, visitor: r.visitor, ads: r.ads, reachableShare: r.total === 0 ? 0 : r.any / r.total } },
    ]),
  );
}

/** The last size at or before the window's start, and the sizes recorded since, oldest first. */
async function historyAround(db: Database, ids: readonly string[], start: Date): Promise<{ baseline: Map<string, number>; window: Map<string, number[]> }> {
  const h = segmentSizeHistory;
  const before = await db.execute(sql`
    select distinct on (${h.segmentId}) ${h.segmentId} as segment_id, ${h.size} as size from ${h}
    where ${h.segmentId} in (${idList(ids)}) and ${h.at} <= ${start.toISOString()}::timestamptz
    order by ${h.segmentId}, ${h.at} desc, ${h.seq} desc`);
  const after = await db
    .select({ segmentId: h.segmentId, size: h.size })
    .from(h)
    .where(sql`${h.segmentId} in (${idList(ids)}) and ${h.at} > ${start.toISOString()}::timestamptz`)
    .orderBy(h.segmentId, h.at, h.seq);
  const window = new Map<string, number[]>();
  for (const r of after) window.set(r.segmentId, [...(window.get(r.segmentId) ?? []), r.size]);
  const rows = before.rows as Array<{ segment_id: string; size: number }>;
  return { baseline: new Map(rows.map((r) => [r.segment_id, Number(r.size)])), window };
}

/** For each segment, every other segment with members that shares someone with it. */
async function neighbours(db: Database, workspaceId: string, ids: readonly string[]) {
  const m = segmentMembers;
  const result = await db.execute(sql`
    with others as (
      select id, slug from ${segments}
      where ${segments.workspaceId} = ${workspaceId} and status <> 'archived' and (status = 'published' or type = 'static')
    ), shared as (
      select a.segment_id as a, b.segment_id as b, count(*)::int as n
      from ${m} a join ${m} b on b.profile_id = a.profile_id and b.segment_id <> a.segment_id
      where a.segment_id in (${idList(ids)}) and b.segment_id in (select id from others)
      group by a.segment_id, b.segment_id
    )
    select shared.a, o.slug, shared.n, (select count(*) from ${m} s where s.segment_id = shared.b)::int as size
    from shared join others o on o.id = shared.b`);
  const bySegment = new Map<string, HealthFacts['neighbours']>();
  for (const r of result.rows as Array<{ a: string; slug: string; n: number; size: number }>) {
    bySegment.set(r.a, [...(bySegment.get(r.a) ?? []), { slug: r.slug, size: Number(r.size), shared: Number(r.n) }]);
  }
  const [others] = await db
    .select({ n: count() })
    .from(segments)
    .where(and(eq(segments.workspaceId, workspaceId), sql`status <> 'archived' and (status = 'published' or type = 'static')`));
  return { bySegment, withMembers: others?.n ?? 0 };
}

/** The facts of each segment of one workspace (the membership-independent parts included). */
export async function healthFacts(db: Database, workspaceId: string, ids: readonly string[], now: Date): Promise<Map<string, Facts>> {
  const start = new Date(now.getTime() - STABILITY_WINDOW_DAYS * 86_400_000);
  const [stats, history, near, [total]] = await Promise.all([
    memberStats(db, ids),
    historyAround(db, ids, start),
    neighbours(db, workspaceId, ids),
    db.select({ n: count() }).from(profiles).where(eq(profiles.workspaceId, workspaceId)),
  ]);
  const empty: ReachabilityCounts = { total: 0, email: 0, phone: 0, visitor: 0, ads: 0, reachableShare: 0 };
  return new Map(
    ids.map((id) => [
      id,
      {
        workspaceProfiles: total?.n ?? 0,
        memberValue: stats.get(id)?.value ?? 0,
        reach: stats.get(id)?.reach ?? empty,
        baseline: history.baseline.get(id) ?? null,
        window: history.window.get(id) ?? [],
        neighbours: near.bySegment.get(id) ?? [],
        comparedSegments: near.withMembers,
      },
    ]),
  );
}

/**
 * The edge facts of the segments the edge tags: published EDGE segments (reach, weekly blocks,
 * overlaps of tagged visitors, the workspace's visitors) and dynamic drafts whose latest rule is
 * EDGE (the replay of that rule over recent page views). Other segments get none.
 */
export async function edgeHealthFacts(ctx: RequestContext, workspaceId: string, list: readonly SegmentRow[]): Promise<Map<string, EdgeFacts>> {
  const out = new Map<string, EdgeFacts>();
  const published = list.filter((s) => s.type === 'dynamic' && s.status === 'published' && s.scope === 'edge').map((s) => s.id);
  const drafts = list.filter((s) => s.type === 'dynamic' && s.status === 'draft');
  const service = new SegmentService(ctx.db, workspaceId, () => ctx.now, ctx.previews);
  const previews = await Promise.all(drafts.map((s) => service.previewEdgeDraft(s)));
  drafts.forEach((s, i) => {
    const preview = previews[i];
    if (preview) out.set(s.id, { reach: null, preview, visitors: preview.visitors, blocks: [], neighbours: [] });
  });
  if (published.length === 0) return out;
  const [reach, visitors, blocks, neighbours] = await Promise.all([
    edgeReachOf(ctx.db, published, ctx.now),
    workspaceVisitors(ctx.db, workspaceId, ctx.now),
    edgeReachBlocks(ctx.db, published, ctx.now, EDGE_STABILITY_BLOCKS, EDGE_STABILITY_BLOCK_DAYS),
    edgeReachNeighbours(ctx.db, workspaceId, published, ctx.now),
  ]);
  for (const id of published) {
    out.set(id, { reach: reach.get(id)!, preview: null, visitors, blocks: blocks.get(id)!, neighbours: neighbours.get(id) ?? [] });
  }
  return out;
}
