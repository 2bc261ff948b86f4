/**
 * The full recompute of many dynamic segments in one pass (publish with its dependents, the
 * periodic recompute of a workspace): every profile is read once and evaluated against all of
 * them, with the event counts of all their rules grouped once (api/segments/event-aggregates.ts);
 * the resulting (segment, profile) pairs are compared with the stored memberships of those
 * segments in one set-based statement. The result equals refreshSegment run on each segment at
 * the same `now` (members, joined_at of newcomers, size history).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { textArrayLiteral } from '../db/prepared.js';
import { profiles, segmentMembers } from '../../drizzle/index.js';
import { compileRuleSql } from './rule-sql.js';
import { EventCountColumns, eventAggregatesSql } from './event-aggregates.js';
import type { PublishedDefinition, PublishedDefinitions } from './definitions.js';

/**
 * Profiles per statement. Each statement holds its chunk's pairs (members, current and new) in
 * hash tables: ~250k profiles x 13 segments each on average at 1M (3.2M pairs) fit in work_mem
 * below; the whole workspace at once would spill to disk and take longer.
 */
export const RECOMPUTE_CHUNK_PROFILES = 250_000;

export interface RecomputeOptions {
  /** Profiles per statement (RECOMPUTE_CHUNK_PROFILES by default; tests use small ones). */
  chunkProfiles?: number;
}

/** A range of profile ids, exclusive below and inclusive above; null = unbounded. */
interface Range {
  after: string | null;
  upTo: string | null;
}

/**
 * Makes the stored memberships of the published dynamic segments `targets` of a workspace what
 * their rules give at `now`; returns their sizes (their member counts afterwards). Runs in the
 * caller's transaction (`tx`), which records the sizes (refreshSegments in membership.service.ts).
 * The chunks are separate statements, so each sees the profiles committed when it starts; a
 * profile written meanwhile is marked dirty by that write and re-evaluated by the dirty
 * evaluator, as after a per-segment recompute. References to other segments are read as
 * refreshSegment reads them: a dynamic one compiled inline, a static one from its stored members.
 */
export async function recomputeMemberships(
  tx: Database,
  workspaceId: string,
  targets: readonly PublishedDefinition[],
  definitions: PublishedDefinitions,
  now: number,
  options: RecomputeOptions = {},
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  // Sorted by id: the pairs of a profile then come out in primary key order.
  const dynamic = [...new Map(targets.filter((d) => d.type === 'dynamic').map((d) => [d.id, d])).values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  if (dynamic.length === 0) return sizes;
  const chunk = options.chunkProfiles ?? RECOMPUTE_CHUNK_PROFILES;
  if (!Number.isSafeInteger(chunk) || chunk <= 0) throw new Error(`recomputeMemberships: chunkProfiles must be a positive integer, got ${chunk}`);
  const columns = new EventCountColumns('ev');
  const env = { now, segment: (slug: string) => definitions.bySlug.get(slug), eventCount: columns.count };
  const predicates = dynamic.map((d) => compileRuleSql(d.rule, env));
  const ids = dynamic.map((d) => d.id);
  // JIT off: see disableJit in membership.service.ts. The chunk's pairs and event aggregates are
  // hashed in memory (see RECOMPUTE_CHUNK_PROFILES); both settings last until the transaction ends.
  await tx.execute(sql`set local jit = off`);
  await tx.execute(sql`set local work_mem = '192MB'`);
  for (const id of ids) sizes.set(id, 0);
  for (const range of await chunkRanges(tx, workspaceId, chunk)) {
    const statement = chunkStatement(workspaceId, ids, predicates, columns, range, now);
    for (const row of (await tx.execute(statement)).rows as Array<{ segment_id: string; size: number | string }>) {
      sizes.set(row.segment_id, (sizes.get(row.segment_id) ?? 0) + Number(row.size));
    }
  }
  return sizes;
}

/**
 * The profile id ranges of the chunks, in id order: one unbounded range for a workspace of at
 * most `chunk` profiles, otherwise bounded by every `chunk`-th id (one scan of the id index).
 */
async function chunkRanges(db: Database, workspaceId: string, chunk: number): Promise<Range[]> {
  const result = await db.execute(sql`
    select x.id from (
      select ${profiles.id} as id, row_number() over (order by ${profiles.id}) as n
      from ${profiles} where ${profiles.workspaceId} = ${workspaceId}
    ) x where x.n % ${chunk}::int8 = 0 order by x.id`);
  const bounds = (result.rows as Array<{ id: string }>).map((r) => r.id);
  const ranges: Range[] = [];
  let after: string | null = null;
  for (const upTo of bounds) {
    ranges.push({ after, upTo });
    after = upTo;
  }
  ranges.push({ after, upTo: null });
  return ranges;
}

function inRange(column: SQL, range: Range): SQL {
  const parts: SQL[] = [sql`true`];
  if (range.after !== null) parts.push(sql`${column} > ${range.after}::uuid`);
  if (range.upTo !== null) parts.push(sql`${column} <= ${range.upTo}::uuid`);
  return sql.join(parts, sql` and `);
}

/**
 * One chunk: its profiles evaluated against every target (a boolean each, unnested with the
 * sorted segment ids into the pairs that match), compared with the chunk's stored members of the
 * targets in one full join (hash or merge: linear); leavers deleted, newcomers inserted in
 * profile order (then segment: both indexes of segment_members are then written near their last
 * entries, not all over), unchanged members untouched. A row per target with its matching
 * profiles in the chunk (`size`), and how many joined and left.
 */
function chunkStatement(workspaceId: string, ids: readonly string[], predicates: readonly SQL[], columns: EventCountColumns, range: Range, now: number): SQL {
  const segmentIds = sql`${textArrayLiteral(ids)}::uuid[]`;
  const aggregates = eventAggregatesSql(columns.columns, { workspaceId: sql`${workspaceId}::uuid`, now, profileFilter: (id) => inRange(id, range) });
  const join = aggregates ? sql`left join (${aggregates}) as "ev" on "ev"."profile_id" = ${profiles.id}` : sql``;
  const joinedAt = new Date(now).toISOString();
  return sql`
    with evaluated as (
      select ${profiles.id} as profile_id, unnest(${segmentIds}) as segment_id, unnest(array[${sql.join([...predicates], sql`, `)}]::boolean[]) as member
      from ${profiles} ${join}
      where ${profiles.workspaceId} = ${workspaceId} and ${inRange(sql`${profiles.id}`, range)}
    ),
    matching as materialized (
      select x.segment_id, x.profile_id from evaluated x where x.member
    ),
    current_members as materialized (
      select m.segment_id, m.profile_id from ${segmentMembers} m
      where m.segment_id = any(${segmentIds}) and ${inRange(sql`m.profile_id`, range)}
    ),
    diff as materialized (
      select coalesce(x.segment_id, c.segment_id) as segment_id, coalesce(x.profile_id, c.profile_id) as profile_id, c.profile_id is null as joining
      from matching x full join current_members c on c.segment_id = x.segment_id and c.profile_id = x.profile_id
      where x.profile_id is null or c.profile_id is null
    ),
    removed as (
      delete from ${segmentMembers} m using diff d
      where m.segment_id = d.segment_id and m.profile_id = d.profile_id and not d.joining
      returning m.segment_id
    ),
    added as (
      insert into ${segmentMembers} (segment_id, profile_id, workspace_id, joined_at)
      select d.segment_id, d.profile_id, ${workspaceId}, ${joinedAt}::timestamptz
      from diff d where d.joining
      order by d.profile_id, d.segment_id
      on conflict do nothing
      returning segment_id
    ),
    counted as (
      select segment_id, 1 as size, 0 as added, 0 as removed from matching
      union all select segment_id, 0, 1, 0 from added
      union all select segment_id, 0, 0, 1 from removed
    )
    select segment_id, sum(size)::int as size, sum(added)::int as added, sum(removed)::int as removed
    from counted group by segment_id`;
}
