/**
 * Edge reach: the distinct visitors the edge tagged with each segment over the last 1, 7 and 30
 * days, from the tags of the page views the Worker reports (POST /v1/edge/events). Each batch of
 * page views upserts one row per segment, UTC day and visitor (table edge_reach) in one statement;
 * counts read those rows, never the events. A visitor is a profile: an anonymous visitor's own, or
 * the person's once the edge identified them (a person seen on two browsers counts once). Bots are
 * never reported, so never counted. Tags of segments that are not published when the report
 * arrives (archived, deleted, unknown slugs) are ignored.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { edgeReach, events } from '../../drizzle/index.js';
import { PAGE_VIEW_EVENT } from '../../schema/attributes.js';

/** The longest window counted; rows older than this (plus a day of margin) are pruned. */
export const EDGE_REACH_DAYS = 30;
export const EDGE_REACH_KEEP_DAYS = EDGE_REACH_DAYS + 1;
const DAY_MS = 86_400_000;

/** Distinct visitors tagged with a segment in the last 24 hours, 7 days and 30 days before an instant. */
export interface EdgeReachCounts {
  lastDay: number;
  last7Days: number;
  last30Days: number;
}

export const NO_REACH: EdgeReachCounts = { lastDay: 0, last7Days: 0, last30Days: 0 };

/** A reported page view: whose, when, and the slugs it was tagged with. */
export interface TaggedView {
  profileId: string;
  at: Date;
  tags: readonly string[];
}

/** Records who was tagged with what (one statement; a replayed batch changes nothing). */
export async function recordEdgeReach(db: Database, workspaceId: string, views: readonly TaggedView[]): Promise<void> {
  const tagged = views.filter((v) => v.tags.length > 0).map((v) => ({ profile_id: v.profileId, at: v.at.toISOString(), tags: v.tags }));
  if (tagged.length === 0) return;
  // Grouped (one row per key, as ON CONFLICT requires) and in key order, so that concurrent batches
  // tagging the same visitors lock the rows in one order and never wait on each other in a cycle.
  await db.execute(sql`
    insert into ${edgeReach} (segment_id, day, profile_id, workspace_id, last_at)
    select s.id, (v.at at time zone 'UTC')::date, v.profile_id, ${workspaceId}::uuid, max(v.at)
    from jsonb_to_recordset(${JSON.stringify(tagged)}::jsonb) as v(profile_id uuid, at timestamptz, tags jsonb)
    cross join lateral (select distinct t from jsonb_array_elements_text(v.tags) t) t(slug)
    join segments s on s.workspace_id = ${workspaceId}::uuid and s.slug = t.slug and s.status = 'published'
    group by 1, 2, 3
    order by 1, 2, 3
    on conflict (segment_id, day, profile_id) do update set last_at = greatest(${edgeReach}.last_at, excluded.last_at)`);
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const idList = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);

/** The reach of each segment at `now` (segments never tagged get zeros). */
export async function edgeReachOf(db: Database, segmentIds: readonly string[], now: Date): Promise<Map<string, EdgeReachCounts>> {
  const out = new Map(segmentIds.map((id) => [id, NO_REACH]));
  if (segmentIds.length === 0) return out;
  const at = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const { rows } = await db.execute<{ segment_id: string; d1: number; d7: number; d30: number }>(sql`
    select segment_id,
      count(distinct profile_id) filter (where last_at > ${at(1)}::timestamptz)::int as d1,
      count(distinct profile_id) filter (where last_at > ${at(7)}::timestamptz)::int as d7,
      count(distinct profile_id)::int as d30
    from ${edgeReach}
    where segment_id in (${idList(segmentIds)}) and day >= ${dayOf(now.getTime() - EDGE_REACH_DAYS * DAY_MS)}::date
      and last_at > ${at(EDGE_REACH_DAYS)}::timestamptz and last_at <= ${now.toISOString()}::timestamptz
    group by segment_id`);
  for (const r of rows) out.set(r.segment_id, { lastDay: Number(r.d1), last7Days: Number(r.d7), last30Days: Number(r.d30) });
  return out;
}

/** Distinct visitors of the workspace (profiles with a reported page view) over the last `days` days. */
export async function workspaceVisitors(db: Database, workspaceId: string, now: Date, days = EDGE_REACH_DAYS): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    select count(distinct profile_id)::int as n from ${events}
    where workspace_id = ${workspaceId}::uuid and name = ${PAGE_VIEW_EVENT}
      and occurred_at > ${new Date(now.getTime() - days * DAY_MS).toISOString()}::timestamptz and occurred_at <= ${now.toISOString()}::timestamptz`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Distinct visitors of each segment over the last 30 days in consecutive blocks of `blockDays`,
 * oldest first (`blocks` of them, ending at `now`): what edge stability is judged on.
 */
export async function edgeReachBlocks(db: Database, segmentIds: readonly string[], now: Date, blocks: number, blockDays: number): Promise<Map<string, number[]>> {
  const out = new Map(segmentIds.map((id) => [id, new Array<number>(blocks).fill(0)]));
  if (segmentIds.length === 0) return out;
  const start = now.getTime() - blocks * blockDays * DAY_MS;
  const { rows } = await db.execute<{ segment_id: string; block: number; n: number }>(sql`
    select segment_id, floor(extract(epoch from (last_at - ${new Date(start).toISOString()}::timestamptz)) / ${blockDays * 86_400})::int as block,
      count(distinct profile_id)::int as n
    from ${edgeReach}
    where segment_id in (${idList(segmentIds)}) and day >= ${dayOf(start)}::date
      and last_at > ${new Date(start).toISOString()}::timestamptz and last_at <= ${now.toISOString()}::timestamptz
    group by 1, 2`);
  for (const r of rows) {
    const list = out.get(r.segment_id);
    const block = Math.min(Number(r.block), blocks - 1);
    if (list && block >= 0) list[block] = Number(r.n);
  }
  return out;
}

/**
 * For each segment, the other segments of the workspace whose visitors of the last 30 days overlap
 * with its own, with the shared count and their reach (what edge distinctness is judged on).
 */
export async function edgeReachNeighbours(db: Database, workspaceId: string, segmentIds: readonly string[], now: Date) {
  const from = new Date(now.getTime() - EDGE_REACH_DAYS * DAY_MS);
  const window = sql`day >= ${dayOf(from.getTime())}::date and last_at > ${from.toISOString()}::timestamptz and last_at <= ${now.toISOString()}::timestamptz`;
  const { rows } = await db.execute<{ a: string; b: string; slug: string; shared: number; size: number }>(sql`
    with visitors as (
      select distinct segment_id, profile_id from ${edgeReach} where workspace_id = ${workspaceId}::uuid and ${window}
    ), sizes as (select segment_id, count(*)::int as size from visitors group by segment_id)
    select a.segment_id as a, b.segment_id as b, s.slug, count(*)::int as shared, z.size
    from visitors a join visitors b on b.profile_id = a.profile_id and b.segment_id <> a.segment_id
    join segments s on s.id = b.segment_id
    join sizes z on z.segment_id = b.segment_id
    where a.segment_id in (${idList(segmentIds)})
    group by a.segment_id, b.segment_id, s.slug, z.size`);
  const bySegment = new Map<string, Array<{ slug: string; size: number; shared: number }>>();
  for (const r of rows) bySegment.set(r.a, [...(bySegment.get(r.a) ?? []), { slug: r.slug, size: Number(r.size), shared: Number(r.shared) }]);
  return bySegment;
}

/** Moves a merged visitor's rows to the person they turned out to be (visitors.ts). */
export async function moveEdgeReach(db: Database, fromProfileId: string, toProfileId: string): Promise<void> {
  await db.execute(sql`
    insert into ${edgeReach} (segment_id, day, profile_id, workspace_id, last_at)
    select segment_id, day, ${toProfileId}::uuid, workspace_id, last_at from ${edgeReach} where profile_id = ${fromProfileId}::uuid
    order by 1, 2
    on conflict (segment_id, day, profile_id) do update set last_at = greatest(${edgeReach}.last_at, excluded.last_at)`);
  await db.execute(sql`delete from ${edgeReach} where profile_id = ${fromProfileId}::uuid`);
}

/** Deletes rows older than EDGE_REACH_KEEP_DAYS, at most `limit` a statement; returns how many. */
export async function pruneEdgeReach(db: Database, now: Date, limit = 50_000): Promise<number> {
  const before = dayOf(now.getTime() - EDGE_REACH_KEEP_DAYS * DAY_MS);
  let total = 0;
  for (;;) {
    const { rows } = await db.execute<{ n: number }>(sql`
      with gone as (
        delete from ${edgeReach} where ctid in (select ctid from ${edgeReach} where day < ${before}::date limit ${limit})
        returning 1
      ) select count(*)::int as n from gone`);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < limit) return total;
  }
}
