/**
 * The full recompute of many dynamic segments in one pass (publish with its dependents, the
 * periodic recompute of a workspace): every profile is read once and evaluated against all of
 * them, with the event counts of all their rules grouped once (api/segments/event-aggregates.ts);
 * each profile's matching segments are compared with its stored memberships among them in one
 * set-based statement per chunk of profiles, and only the differences are applied. The result
 * equals refreshSegment run on each segment at the same `now` (members, joined_at of newcomers,
 * and, recorded by refreshSegments, the size history).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { textArrayLiteral } from '../db/prepared.js';
import { profiles, segmentMembers } from '../../drizzle/index.js';
import { compileRuleSql } from './rule-sql.js';
import { EventCountColumns, eventAggregatesSql } from './event-aggregates.js';
import { SharedViews } from './shared-views.js';
import type { PublishedDefinition, PublishedDefinitions } from './definitions.js';

/**
 * Profiles per statement. A statement hashes its chunk's event aggregates (a row per profile with
 * events, 8 bytes per counted node) and stored members grouped per profile (~3.2M memberships of
 * 250k profiles at 1M): within the work_mem set below, whatever the size of the workspace.
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
  // Sorted by id: positions in this order insert a profile's memberships in primary key order.
  const dynamic = [...new Map(targets.filter((d) => d.type === 'dynamic').map((d) => [d.id, d])).values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  if (dynamic.length === 0) return sizes;
  const chunk = options.chunkProfiles ?? RECOMPUTE_CHUNK_PROFILES;
  if (!Number.isSafeInteger(chunk) || chunk <= 0) throw new Error(`recomputeMemberships: chunkProfiles must be a positive integer, got ${chunk}`);
  const columns = new EventCountColumns('ev');
  const views = new SharedViews();
  const env = { now, segment: (slug: string) => definitions.bySlug.get(slug), eventCount: columns.count, attributeView: views.view };
  const predicates = dynamic.map((d) => compileRuleSql(d.rule, env));
  const ids = dynamic.map((d) => d.id);
  // JIT off: see disableJit in membership.service.ts. A chunk's event aggregates and members per
  // profile are hashed in memory (see RECOMPUTE_CHUNK_PROFILES); both settings last until the
  // transaction ends, as does the scratch table of the changes (emptied for each chunk).
  await tx.execute(sql`set local jit = off`);
  await tx.execute(sql`set local work_mem = '192MB'`);
  await tx.execute(sql`create temp table if not exists ae_recompute_changes (profile_id uuid not null, leaving int2[] not null, joining int2[] not null) on commit drop`);
  for (const id of ids) sizes.set(id, 0);
  for (const range of await chunkRanges(tx, workspaceId, chunk)) {
    await tx.execute(sql`truncate ae_recompute_changes`);
    const evaluated = await tx.execute(evaluateStatement(workspaceId, ids, predicates, columns, views, range, now));
    for (const row of evaluated.rows as Array<{ idx: number | string; size: number | string }>) {
      const id = ids[Number(row.idx) - 1] as string;
      sizes.set(id, (sizes.get(id) ?? 0) + Number(row.size));
    }
    // Its true size (few rows in place, every member on a first materialisation) for the plan of the apply.
    await tx.execute(sql`analyze ae_recompute_changes`);
    await tx.execute(applyStatement(workspaceId, ids, now));
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
 * One chunk, evaluated and compared: each profile's matching targets as an array of their
 * positions in `ids` (1-based, int2: a few bytes a profile, not a row per pair), its stored
 * memberships among the targets as the same kind of array (one grouped pass over the chunk's
 * members), the two joined per profile (hash joins on the profile id, no sort of the pairs), and
 * the profiles whose arrays differ written to ae_recompute_changes with the positions they leave
 * and join. A member of a profile that no longer exists leaves (as with refreshSegment). Returns
 * the number of matching profiles per position (`idx`, `size`).
 */
function evaluateStatement(workspaceId: string, ids: readonly string[], predicates: readonly SQL[], columns: EventCountColumns, views: SharedViews, range: Range, now: number): SQL {
  const segmentIds = sql`${textArrayLiteral(ids)}::uuid[]`;
  const aggregates = eventAggregatesSql(columns.columns, { workspaceId: sql`${workspaceId}::uuid`, now, profileFilter: (id) => inRange(id, range) });
  const join = aggregates ? sql`left join (${aggregates}) as "ev" on "ev"."profile_id" = ${profiles.id}` : sql``;
  const positions = predicates.map((p, i) => sql`case when ${p} then ${sql.raw(String(i + 1))} end`);
  const none = sql`'{}'::int2[]`;
  return sql`
    with evaluated as materialized (
      select ${profiles.id} as profile_id, array_remove(array[${sql.join(positions, sql`, `)}]::int2[], null) as matched
      from (
        select ${profiles}.*${views.columns()} from ${profiles}
        where ${profiles.workspaceId} = ${workspaceId} and ${inRange(sql`${profiles.id}`, range)}
        offset 0
      ) as ${profiles} ${join}
    ),
    current_members as (
      select m.profile_id, array_agg(s.idx::int2) as members
      from ${segmentMembers} m join unnest(${segmentIds}) with ordinality as s(segment_id, idx) on s.segment_id = m.segment_id
      where m.segment_id = any(${segmentIds}) and ${inRange(sql`m.profile_id`, range)}
      group by m.profile_id
    ),
    compared as (
      select coalesce(e.profile_id, c.profile_id) as profile_id, coalesce(e.matched, ${none}) as matched, coalesce(c.members, ${none}) as members
      from evaluated e full join current_members c on c.profile_id = e.profile_id
    ),
    changes as (
      insert into ae_recompute_changes (profile_id, leaving, joining)
      select x.profile_id,
        array(select i from unnest(x.members) as i where not i = any(x.matched)),
        array(select i from unnest(x.matched) as i where not i = any(x.members))
      from compared x
      where not (x.matched @> x.members and x.members @> x.matched)
    )
    select i as idx, count(*)::int as size from evaluated e, unnest(e.matched) as i group by i`;
}

/**
 * Applies a chunk's changes (ae_recompute_changes): leavers deleted, newcomers inserted in
 * profile order (then segment: both indexes of segment_members are then written near their last
 * entries, not all over), unchanged members untouched.
 */
function applyStatement(workspaceId: string, ids: readonly string[], now: number): SQL {
  const segmentIds = sql`${textArrayLiteral(ids)}::uuid[]`;
  return sql`
    with pairs as (
      select c.profile_id, (${segmentIds})[l.i] as segment_id, false as joining from ae_recompute_changes c cross join lateral unnest(c.leaving) as l(i)
      union all
      select c.profile_id, (${segmentIds})[j.i], true from ae_recompute_changes c cross join lateral unnest(c.joining) as j(i)
    ),
    removed as (
      delete from ${segmentMembers} m using pairs d
      where m.segment_id = d.segment_id and m.profile_id = d.profile_id and not d.joining
      returning 1
    )
    insert into ${segmentMembers} (segment_id, profile_id, workspace_id, joined_at)
    select d.segment_id, d.profile_id, ${workspaceId}, ${new Date(now).toISOString()}::timestamptz
    from pairs d where d.joining
    order by d.profile_id, d.segment_id
    on conflict do nothing`;
}
