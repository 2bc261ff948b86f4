/**
 * Materialised membership of published dynamic segments: who is in, since when.
 * - `refreshSegments` / `refreshWorkspace`: recompute many segments in one pass (on publish with
 *   their dependents, and periodically for time windows); `refreshSegment`: one segment alone.
 * - `refreshProfiles`: re-evaluate changed profiles against every published dynamic segment of the
 *   workspace in one query (the dirty evaluator's batches, after profile upserts and new events).
 * Both record a point of size history when the size changed. refreshProfiles also stores each
 * profile's next time-window change (due-store.ts), and a publish lowers them for its segments'
 * windows: the periodic pass (due.ts) evaluates only the profiles due.
 */
import { is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { executeCustom, executePrepared, placeholder as p, prepareSql, textArrayLiteral } from '../db/prepared.js';
import { profiles, segmentMembers, segmentSizeHistory } from '../../drizzle/index.js';
import { compileRuleSql } from './rule-sql.js';
import { loadPublishedDefinitions, type PublishedDefinition, type PublishedDefinitions } from './definitions.js';
import { compiledEvaluation, type EvaluationScope } from './profile-evaluation.js';
import { ruleReferences } from '../../schema/rule.js';
import { recomputeMemberships, type RecomputeOptions } from './recompute.js';
import { lowerDue, storeNextChanges } from './due-store.js';

export { compiledEvaluation, evaluateProfiles, isTimeDependent, profileEvaluationSql, type EvaluationScope } from './profile-evaluation.js';

/**
 * Recomputes the membership of one published segment; returns its new size. `definitions` are the
 * workspace's published definitions when the caller has them already (loaded otherwise).
 */
export async function refreshSegment(
  db: Database,
  workspaceId: string,
  segmentId: string,
  now = Date.now(),
  definitions?: PublishedDefinitions,
): Promise<number> {
  const defs = definitions ?? (await loadPublishedDefinitions(db, workspaceId));
  const target = defs.byId.get(segmentId);
  if (!target) return countMembers(db, segmentId);
  if (target.type === 'static') {
    return inTransaction(db, async (tx) => {
      await lockSizes(tx, [segmentId]);
      const size = await countMembers(tx, segmentId);
      await recordSize(tx, workspaceId, segmentId, size, now);
      return size;
    });
  }
  const predicate = compileRuleSql(target.rule, { now, segment: (slug) => defs.bySlug.get(slug) });
  const joinedAt = new Date(now).toISOString();
  return inTransaction(db, async (tx) => {
    await disableJit(tx);
    // The comparison below hashes or sorts the members twice (a million rows at most, ~50 MB): in
    // memory, not in batches spilled to disk at the default 4 MB.
    await tx.execute(sql`set local work_mem = '64MB'`);
    // One evaluation of the rule, compared with the current members in one full join (always a
    // hash or merge join: linear whatever the statistics of segment_members say); members that no
    // longer match leave, new matches join in profile order (index-friendly); unchanged members are
    // not touched. Afterwards the membership is exactly `matching`, so its count is the size.
    const result = await tx.execute(sql`
      with matching as materialized (
        select ${profiles.id} as id from ${profiles} where ${profiles.workspaceId} = ${workspaceId} and ${predicate}
      ),
      current_members as materialized (
        select m.profile_id as id from ${segmentMembers} m where m.segment_id = ${segmentId}
      ),
      diff as materialized (
        select coalesce(x.id, c.id) as id, c.id is null as joining
        from matching x full join current_members c on c.id = x.id
        where x.id is null or c.id is null
      ),
      removed as (
        delete from ${segmentMembers} m using diff d
        where m.segment_id = ${segmentId} and m.profile_id = d.id and not d.joining
        returning 1
      ),
      added as (
        insert into ${segmentMembers} (segment_id, profile_id, workspace_id, joined_at)
        select ${segmentId}, d.id, ${workspaceId}, ${joinedAt}::timestamptz
        from diff d where d.joining
        order by d.id
        on conflict do nothing
        returning 1
      )
      select (select count(*) from matching)::int as size, (select count(*) from added)::int as added, (select count(*) from removed)::int as removed`);
    const size = Number((result.rows[0] as { size: number | string }).size);
    await lockSizes(tx, [segmentId]);
    await recordSize(tx, workspaceId, segmentId, size, now);
    return size;
  });
}

/**
 * Recomputes a segment and every published dynamic segment that references it, directly or
 * through others (their members follow from its members): the dynamic ones through
 * refreshSegments (in one pass from ONE_PASS_FROM segments on), after the start when it is static
 * (its stored list is what they read).
 */
export async function refreshWithDependents(db: Database, workspaceId: string, segment: { id: string; slug: string }, now = Date.now()): Promise<void> {
  // Every caller runs this in the transaction that changes the definitions: held until it commits.
  await lockDefinitions(db, workspaceId, 'exclusive');
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const dynamic = [...definitions.byId.values()].filter((d) => d.type === 'dynamic');
  const refs = new Map(dynamic.map((d) => [d.slug, new Set(ruleReferences(d.rule))]));
  // Every segment that depends on the start, transitively.
  const start = segment.slug;
  const affected = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const slug = queue.shift() as string;
    for (const d of dynamic) {
      if (!affected.has(d.slug) && d.slug !== start && refs.get(d.slug)?.has(slug)) {
        affected.add(d.slug);
        queue.push(d.slug);
      }
    }
  }
  const ids = [segment.id, ...[...affected].map((slug) => (definitions.bySlug.get(slug) as PublishedDefinition).id)];
  await inTransaction(db, async (tx) => {
    // The size locks of all of them at once, in one order (see lockSizes).
    await lockSizes(tx, ids);
    await refreshSegments(tx, workspaceId, ids, now, definitions);
    // Their time windows from now on: the profiles' due instants were computed without these rules.
    await lowerDue(tx, workspaceId, ids.map((id) => definitions.byId.get(id)?.rule).filter((r) => r !== undefined), definitions, now);
  });
}

/**
 * From how many dynamic segments refreshSegments evaluates them in one pass. The pass reads every
 * profile, the events of the names they count and their members whatever their rules; a single
 * segment's own statement reads only what its rule selects through the indexes. Measured at 1M
 * profiles (load ~15, bench/README.md): a publish of one segment 20.0 s in one pass against 2.3 s
 * alone; of one with 3 dependents 21.3 s against 11.5 s for the four one after another (~2.9 s
 * each), so the pass pays from about 7-8 segments; 100 segments in place at 200k: 13.6 s against
 * 50.5 s one after another (same run).
 */
export const ONE_PASS_FROM = 8;

/**
 * Recomputes the published segments `segmentIds` of a workspace at `now` and records their sizes;
 * returns them. From ONE_PASS_FROM dynamic segments on (`options.onePassFrom`), the dynamic ones in one pass (api/segments/recompute.ts: every profile evaluated
 * once against all of them, event counts grouped once, one set-based diff per chunk of profiles),
 * with the same result as refreshSegment on each; a static one (or one no longer published)
 * through refreshSegment, first, as dynamic segments may reference its stored members.
 */
export async function refreshSegments(
  db: Database,
  workspaceId: string,
  segmentIds: readonly string[],
  now = Date.now(),
  definitions?: PublishedDefinitions,
  options?: RecomputeOptions & { onePassFrom?: number },
): Promise<Map<string, number>> {
  const defs = definitions ?? (await loadPublishedDefinitions(db, workspaceId));
  const sizes = new Map<string, number>();
  const unique = [...new Set(segmentIds)];
  const dynamic = unique.map((id) => defs.byId.get(id)).filter((d): d is PublishedDefinition => d?.type === 'dynamic');
  const onePass = dynamic.length >= (options?.onePassFrom ?? ONE_PASS_FROM);
  return inTransaction(db, async (tx) => {
    for (const id of unique) if (!onePass || defs.byId.get(id)?.type !== 'dynamic') sizes.set(id, await refreshSegment(tx, workspaceId, id, now, defs));
    if (!onePass || dynamic.length === 0) return sizes;
    const computed = await recomputeMemberships(tx, workspaceId, dynamic, defs, now, options);
    await lockSizes(tx, [...computed.keys()]);
    await recordSizes(tx, workspaceId, computed, now);
    for (const [id, size] of computed) sizes.set(id, size);
    return sizes;
  });
}

/** Recomputes every published dynamic segment of a workspace in one pass (time windows move on by themselves). */
export async function refreshWorkspace(db: Database, workspaceId: string, now = Date.now(), options?: RecomputeOptions & { onePassFrom?: number }): Promise<Map<string, number>> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const ids = [...definitions.byId.values()].filter((d) => d.type === 'dynamic').map((d) => d.id);
  return refreshSegments(db, workspaceId, ids, now, definitions, options);
}

/**
 * The full recompute as it was before the one pass: refreshSegment on each published dynamic
 * segment, one after another (a statement and a transaction each). The reference that tests and
 * `npm run bench:db` compare refreshWorkspace with.
 */
export async function refreshWorkspacePerSegment(db: Database, workspaceId: string, now = Date.now()): Promise<Map<string, number>> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const sizes = new Map<string, number>();
  for (const def of definitions.byId.values()) {
    if (def.type === 'dynamic') sizes.set(def.id, await refreshSegment(db, workspaceId, def.id, now, definitions));
  }
  return sizes;
}

/**
 * Re-evaluates `profileIds` against the published dynamic segments of the workspace in `scope`
 * (every one by default; `time`: only those time passing can change, what the due pass needs) in
 * one query, then applies the differences to those segments; stores the profiles' next change
 * instants (the same in both scopes). Returns how many memberships were added and removed.
 */
export async function refreshProfiles(
  db: Database,
  workspaceId: string,
  profileIds: readonly string[],
  now = Date.now(),
  definitions?: PublishedDefinitions,
  scope: EvaluationScope = 'all',
): Promise<{ added: number; removed: number }> {
  if (profileIds.length === 0) return { added: 0, removed: 0 };
  const defs = definitions ?? (await loadPublishedDefinitions(db, workspaceId));
  const ids = [...new Set(profileIds)];
  const compiled = compiledEvaluation(defs, scope);
  const { dynamic } = compiled;
  if (dynamic.length === 0) {
    // Nothing to evaluate, and no time-dependent rule left: no instant either (a stale one would
    // have the due pass claim these profiles again and again).
    await storeNextChanges(db, workspaceId, ids, []);
    return { added: 0, removed: 0 };
  }
  // Inside the caller's transaction (every caller has one) no savepoint is needed: an error here
  // aborts that transaction anyway. Otherwise one transaction, for the size locks.
  const apply = async (tx: Database) => {
    // Evaluated and applied in one statement (profile-evaluation.ts, refreshSql), instants first
    // stored in it: a due-pass batch may hold these rows (its claim), and takes the size locks after them.
    const values = { workspaceId, profileIds: textArrayLiteral(ids), now, joinedAt: new Date(now).toISOString() };
    const changed =
      ids.length === 1 ? await executePrepared(tx, compiled.refreshOne, { ...values, profileId: ids[0] }) : await executeCustom(tx, compiled.refreshMany, values);
    // What actually changed (a concurrent refresh may have done part of it), per segment.
    const delta = new Map<string, number>();
    let added = 0;
    let removed = 0;
    for (const row of changed as Array<{ segment_id: string; added: number; removed: number }>) {
      delta.set(row.segment_id, row.added - row.removed);
      added += row.added;
      removed += row.removed;
    }
    if (delta.size > 0) {
      await lockSizes(tx, [...delta.keys()]);
      await recordSizeChanges(tx, workspaceId, delta, now);
    }
    return { added, removed };
  };
  return is(db, PgTransaction) ? apply(db) : inTransaction(db, apply);
}

/**
 * Orders batch evaluations (shared) and definition changes (exclusive: publish, archive, static
 * list edits, through refreshWithDependents) of a workspace, until the end of the transaction. An
 * evaluator that loaded the definitions before a publish would otherwise apply the old rule's
 * memberships after the publish recomputed the segment with the new one; now either the publish
 * waits and recomputes over the evaluator's result, or the evaluator waits and loads the new rule.
 */
export async function lockDefinitions(db: Database, workspaceId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  await executePrepared(db, mode === 'shared' ? LOCK_DEFINITIONS_SHARED : LOCK_DEFINITIONS, { key: `segment_definitions:${workspaceId}` });
}

const LOCK_DEFINITIONS = prepareSql('ae_lock_definitions_v1', sql`select pg_advisory_xact_lock(hashtextextended(${p('key')}::text, 0))::text as locked`);
const LOCK_DEFINITIONS_SHARED = prepareSql('ae_lock_definitions_shared_v1', sql`select pg_advisory_xact_lock_shared(hashtextextended(${p('key')}::text, 0))::text as locked`);

/**
 * Turns PostgreSQL's JIT off until the end of the transaction. A compiled rule is a large
 * expression whose correlated subqueries inflate the estimated cost past jit_above_cost, so the
 * server compiles (and at 500k, inlines and optimises) it with LLVM on every run: up to a second per
 * query, more than the whole evaluation takes without it.
 */
export async function disableJit(tx: Database): Promise<void> {
  await tx.execute(sql`set local jit = off`);
}

async function countMembers(db: Database, segmentId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from ${segmentMembers} where ${segmentMembers.segmentId} = ${segmentId}`);
  return Number((result.rows[0] as { n: number | string } | undefined)?.n ?? 0);
}

/**
 * Serialises size recording per segment until the end of the transaction (advisory locks, taken
 * in one order: segment id), so that a size computed from the last recorded point plus a
 * difference reads the point of any concurrent writer that committed first.
 */
async function lockSizes(db: Database, segmentIds: readonly string[]): Promise<void> {
  const sorted = [...new Set(segmentIds)].sort();
  if (sorted.length === 0) return;
  await executePrepared(db, LOCK_SIZES, { keys: textArrayLiteral(sorted.map((id) => `segment_size:${id}`)) });
}

const LOCK_SIZES = prepareSql(
  'ae_lock_sizes_v1',
  // unnest keeps the order of the (sorted) array; the aggregate takes the locks in that order.
  sql`select count(pg_advisory_xact_lock(hashtextextended(k, 0)))::int as n from unnest(${p('keys')}::text[]) as v(k)`,
);

/**
 * Records the sizes of segments whose membership changed by `delta` (added - removed) without
 * counting their members: the new size is the last recorded size plus the difference (one count
 * only for a segment with no recorded size yet). A point is appended only when the size changed.
 * The caller holds the size locks of these segments.
 */
async function recordSizeChanges(db: Database, workspaceId: string, delta: ReadonlyMap<string, number>, now: number): Promise<void> {
  await executePrepared(db, RECORD_SIZE_CHANGES, {
    segmentIds: textArrayLiteral([...delta.keys()]),
    deltas: `{${[...delta.values()].join(',')}}`,
    workspaceId,
    at: new Date(now).toISOString(),
  });
}

const h = sql.identifier('h');
const RECORD_SIZE_CHANGES = prepareSql(
  'ae_record_size_changes_v1',
  sql`
    with d(segment_id, delta) as (select * from unnest(${p('segmentIds')}::uuid[], ${p('deltas')}::int[])),
    prev as (
      select d.segment_id, d.delta,
        (select ${h}.size from ${segmentSizeHistory} ${h} where ${h}.segment_id = d.segment_id order by ${h}.at desc, ${h}.seq desc limit 1) as size
      from d
    ),
    next as (
      select prev.segment_id, prev.size as previous,
        case when prev.size is null then (select count(*) from ${segmentMembers} m where m.segment_id = prev.segment_id)::int
             else prev.size + prev.delta end as size
      from prev
    )
    insert into ${segmentSizeHistory} (segment_id, workspace_id, at, size)
    select next.segment_id, ${p('workspaceId')}::uuid, ${p('at')}::timestamptz, next.size
    from next
    where next.previous is null or next.previous <> next.size`,
);

/** Appends a size point unless the last recorded size is the same. */
export async function recordSize(db: Database, workspaceId: string, segmentId: string, size: number, now: number): Promise<void> {
  await db.execute(sql`
    insert into ${segmentSizeHistory} (segment_id, workspace_id, at, size)
    select ${segmentId}, ${workspaceId}, ${new Date(now).toISOString()}::timestamptz, ${size}::int
    where coalesce((select h.size from ${segmentSizeHistory} h where h.segment_id = ${segmentId} order by h.at desc, h.seq desc limit 1), -1) <> ${size}::int`);
}

/** recordSize for many segments in one statement: a point for each whose last recorded size differs. */
async function recordSizes(db: Database, workspaceId: string, sizes: ReadonlyMap<string, number>, now: number): Promise<void> {
  if (sizes.size === 0) return;
  await db.execute(sql`
    with d(segment_id, size) as (select * from unnest(${textArrayLiteral([...sizes.keys()])}::uuid[], ${`{${[...sizes.values()].join(',')}}`}::int[]))
    insert into ${segmentSizeHistory} (segment_id, workspace_id, at, size)
    select d.segment_id, ${workspaceId}::uuid, ${new Date(now).toISOString()}::timestamptz, d.size from d
    where coalesce((select h.size from ${segmentSizeHistory} h where h.segment_id = d.segment_id order by h.at desc, h.seq desc limit 1), -1) <> d.size
    order by d.segment_id`);
}
