/**
 * Builds an export in the background, set-based: the segment's consenting members are taken in
 * chunks of BUILD_CHUNK (by profile id); per chunk, one statement reads them once, counts them
 * (seen, unmatchable, invalid values) and writes their rows by an `insert ... select` - cells and
 * encoded line made in SQL (build-sql.ts) from the identifiers normalised and hashed when each
 * profile was written (identifiers.ts) - then progress, counts and the heartbeat are updated.
 * Members whose identifiers are missing (written by another path, or changed since) have them
 * computed here first. DELTA: a member still there with the same cells as in the previous export is
 * carried over (kept, not sent); one added or whose cells changed is sent as an add; then every
 * previous row not carried - left, consent withdrawn or changed - is removed with the cells the
 * previous export sent, and the removals erasures left pending are added (erasure.ts: an erased
 * person's rows are gone from every export, only a hashed removal is kept for the next DELTA).
 * The file is visible only once status is 'done'; a failure deletes what was written.
 *
 * It runs as the `build-export` job (api/jobs/tasks.ts): a lost connection requeues the export for the
 * job's next attempt; on PGlite it works in slices that leave room for requests (BuildOptions.sliceMs).
 *
 * Ownership: a build claims its queued export (status 'running', `started_at` its own instant) and
 * beats every HEARTBEAT_MS on a timer, whatever the chunk is doing; every write of its state is
 * conditional on that claim. A build taken for dead and restarted elsewhere (exports.service.ts)
 * finds its claim gone at its next beat or progress update and stops without touching the export.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Database } from '../db/index.js';
import { DomainError } from '../errors.js';
import { audienceExportRows, audienceExports, segments, type AudienceExportRow } from '../../drizzle/index.js';
import { IDENTIFIER_COLUMNS, MATCH_COLUMNS, memberSql, removalLineSql, VISITORS_JOIN } from './build-sql.js';
import { fillExportIdentifiers } from './identifiers.js';
import { carryErasures, dropErasedMembers, purgeCarriedErasures } from './erasure.js';
import { logError, publicMessageOf } from '../log.js';
import { isConnectionLoss } from '../db/failures.js';
import { RetryableJobError } from '../jobs/jobs.js';
import { foregroundIdle } from '../jobs/foreground.js';
import { countMembersInSlices, dropErasedMembersInSlices, FIRST_SLICE_ROWS, inKeyOrder, nextSliceRows, ZERO_UUID } from './slices.js';

export const BUILD_CHUNK = 20_000;
/** How often a running build touches its export's `updated_at` (its heartbeat). */
export const HEARTBEAT_MS = 5_000;

export interface BuildOptions {
  /** How often the build beats (default HEARTBEAT_MS). */
  heartbeatMs?: number;
  /**
   * A lost connection puts the export back in the queue and throws RetryableJobError, for the job
   * queue to try again (the build-export job, until its last attempt); otherwise it fails the export.
   */
  retry?: boolean;
  /**
   * PGlite: each chunk is sized to take about this many ms (starting small, then adapting to the
   * time chunks take), and the build yields between chunks, so a request waits at most about one
   * chunk behind it. Unset: BUILD_CHUNK rows per chunk (PostgreSQL serves requests on other connections).
   */
  sliceMs?: number;
}

const inFlight = new Map<string, Promise<void>>();

/** Builds an export (once per export in this process at a time: a second call joins the first). */
export function runExportBuild(db: Database, exportId: string, options: BuildOptions = {}): Promise<void> {
  const current = inFlight.get(exportId);
  if (current) return current;
  const build = buildExport(db, exportId, options).finally(() => inFlight.delete(exportId));
  inFlight.set(exportId, build);
  return build;
}

/** Starts building an export without waiting for it (tests of the build's ownership; the API builds through the build-export job). */
export function startExportBuild(db: Database, exportId: string, heartbeatMs = HEARTBEAT_MS): void {
  void runExportBuild(db, exportId, { heartbeatMs }).catch((error: unknown) => logError(`export ${exportId} build`, error));
}

/** The exports this process is building: alive, whatever their heartbeat says (a long PGlite statement holds the timers). */
export function exportBuildsInProgress(): string[] {
  return [...inFlight.keys()];
}

/** Resolves when every build started in this process has settled (graceful shutdown, benches). */
export async function settleExportBuilds(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
}

type Changes = PgUpdateSetSource<typeof audienceExports>;

/** The build no longer owns its export: it was taken for dead and restarted, or removed. */
class ClaimLost extends Error {}

/** The members of one step: a key range of the chunk, or (second round) ids whose identifiers were just filled in. */
export type Scope = { after: string; end: string | null } | { ids: readonly string[] };

/** The condition of a scope on the members' profile id: a key range, or a semi-join on a list of ids. */
function inScope(scope: Scope): SQL {
  if ('ids' in scope) return sql`m.profile_id in (select unnest(${sql.param(scope.ids)}::uuid[]))`;
  return scope.end === null ? sql`m.profile_id > ${scope.after}::uuid` : sql`m.profile_id > ${scope.after}::uuid and m.profile_id <= ${scope.end}::uuid`;
}

type ChunkStats = {
  seen: number;
  unmatched: number;
  invalid: Record<string, number> | string | null;
  missing: string[];
};

/**
 * The members with their profiles and identifiers. A key range is repeated on each table's key and
 * joined by merging the three index range scans (writeStep rules out the other joins for it): a
 * hash join would read every profile for every chunk, and a nested loop over a misestimated range
 * (PGlite has no statistics) every member for every member. A list of ids is probed by index,
 * lateral lookups kept whole (offset 0) so the plan cannot be anything else.
 */
function membersOf(job: AudienceExportRow, scope: Scope, identifiers: 'join' | 'left join'): SQL {
  if ('ids' in scope) {
    return sql`
      from segment_members m
      join lateral (select * from profiles p where p.id = m.profile_id and p.workspace_id = ${job.workspaceId} and p.consent_ads offset 0) p on true
      ${sql.raw(identifiers)} lateral (select * from profile_export_identifiers i where i.profile_id = m.profile_id offset 0) i on true`;
  }
  const range = (column: string) =>
    scope.end === null ? sql`${sql.raw(column)} > ${scope.after}::uuid` : sql`${sql.raw(column)} > ${scope.after}::uuid and ${sql.raw(column)} <= ${scope.end}::uuid`;
  return sql`
    from segment_members m
    join profiles p on p.id = m.profile_id and p.workspace_id = ${job.workspaceId} and p.consent_ads and ${range('p.id')}
    ${sql.raw(identifiers)} profile_export_identifiers i on i.profile_id = m.profile_id and ${range('i.profile_id')}`;
}

/**
 * One step in one statement: the members with what their cells need are read once (`src`,
 * materialised: the join of three index ranges is the costly read), counted (members seen,
 * unmatchable, invalid values per column, those lacking identifiers) and the matchable ones with
 * identifiers written. A DELTA row is sent when its cells differ from the previous export's (new or
 * changed member). Returns the counts and how many rows are sent.
 */
export function chunkStatement(job: AudienceExportRow, slug: string, scope: Scope): SQL {
  const member = memberSql(job, slug);
  const match = MATCH_COLUMNS[job.destination];
  const identifiers = sql.raw(IDENTIFIER_COLUMNS[job.destination].map((c) => `i.${c}`).join(', '));
  const sent =
    job.previousExportId === null
      ? sql`true`
      : sql`(select r.cells from audience_export_rows r where r.export_id = ${job.previousExportId} and r.profile_id = s.profile_id and r.action = 'add') is distinct from ${member.cells}`;
  // offset 0 keeps the subquery whole, so cells and line are computed once per row.
  return sql`
    with src as materialized (
      select m.profile_id, m.joined_at, p.external_id, i.profile_id is not null as known,
        ${sql.raw(match.ok === 'true' ? 'true' : `i.${match.ok}`)} as ok, i.${sql.raw(match.invalid)} as invalid, ${identifiers}
      ${membersOf(job, scope, 'left join')}
      where m.segment_id = ${job.segmentId} and ${inScope(scope)}),
    ins as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line, joined_at)
      select ${job.id}::uuid, profile_id, 'add', sent, cells, case when sent then line end, joined_at
      from (
        select s.profile_id, s.joined_at, ${member.cells} as cells, ${member.line} as line, ${sent} as sent
        from src s
        ${job.destination === 'GENERIC' ? VISITORS_JOIN : sql``}
        where s.known and s.ok
        offset 0) x
      returning sent)
    select
      (select count(*)::int from src where known) as seen,
      (select count(*)::int from src where known and not ok) as unmatched,
      (select json_object_agg(c, n) from (select c, count(*)::int as n from src, unnest(invalid) as c where known group by c) x) as invalid,
      (select coalesce(array_agg(profile_id::text), '{}') from src where not known) as missing,
      (select count(*) filter (where sent)::int from ins) as sent`;
}

/** One step in one snapshot (repeatable read), so what is counted is exactly what is written. */
async function writeStep(db: Database, job: AudienceExportRow, slug: string, scope: Scope) {
  return db.transaction(
    async (tx) => {
      // No JIT: ruling out joins below costs plans 1e10, far over jit_above_cost, and compiling the
      // chunk's expressions with LLVM took ~300 ms of every chunk's ~70 ms of counting.
      await tx.execute(sql`set local jit = off`);
      // The chunk's source rows (~150-650 bytes a member, ~12 MB for 20k META members) stay in memory, not in a temporary file.
      await tx.execute(sql`set local work_mem = '64MB'`);
      if (!('ids' in scope)) {
        await tx.execute(sql`set local enable_nestloop = off`);
        await tx.execute(sql`set local enable_hashjoin = off`);
      }
      const stats = (await tx.execute<ChunkStats & { sent: number }>(chunkStatement(job, slug, scope))).rows[0]!;
      const invalid = typeof stats.invalid === 'string' ? (JSON.parse(stats.invalid) as Record<string, number>) : (stats.invalid ?? {});
      return { ...stats, invalid };
    },
    { isolationLevel: 'repeatable read' },
  );
}

/**
 * The last profile id of the chunk of `size` members after `after`, or null when the rest fits in one
 * chunk. In key order: without statistics (PGlite) it was planned as a sort of the whole segment (slices.ts).
 */
async function chunkEnd(db: Database, job: AudienceExportRow, after: string, size: number): Promise<string | null> {
  const rows = await inKeyOrder<{ id: string }>(
    db,
    sql`select profile_id::text as id from segment_members where segment_id = ${job.segmentId} and profile_id > ${after}::uuid
      order by profile_id offset ${size - 1} limit 1`,
  );
  return rows[0]?.id ?? null;
}

async function countMembers(db: Database, job: AudienceExportRow): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from segment_members m join profiles p on p.id = m.profile_id
    where m.segment_id = ${job.segmentId} and p.workspace_id = ${job.workspaceId} and p.consent_ads`);
  return rows[0]?.n ?? 0;
}

/** Removes every row of the previous export this one does not carry over unchanged; returns how many. */
async function removeDeparted(db: Database, job: AudienceExportRow, previousId: string): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with removed as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line, joined_at)
      select ${job.id}::uuid, r.profile_id, 'remove', true, r.cells, ${removalLineSql(job, sql`r.cells`)}, r.joined_at
      from audience_export_rows r
      where r.export_id = ${previousId} and r.action = 'add'
        and not exists (select 1 from audience_export_rows n where n.export_id = ${job.id} and n.profile_id = r.profile_id and n.action = 'add' and n.cells = r.cells)
      returning 1)
    select count(*)::int as n from removed`);
  return rows[0]?.n ?? 0;
}

/** The state of an export that has not started: what a restart or a retry puts back. */
export const REQUEUED = { status: 'queued', rowsDone: 0, rowCount: 0, skippedInvalid: {}, error: null, startedAt: null } as const satisfies Changes;

/**
 * Builds one export to the end. A failure is recorded on the export; only with `options.retry`, a
 * lost connection requeues it and throws RetryableJobError instead.
 */
export async function buildExport(db: Database, exportId: string, options: BuildOptions = {}): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let job: AudienceExportRow | undefined;
  try {
    // The claim: only a queued export is built, by one build (of any process).
    [job] = await db
      .update(audienceExports)
      .set({ status: 'running', startedAt: sql`clock_timestamp()`, updatedAt: sql`now()` })
      .where(and(eq(audienceExports.id, exportId), eq(audienceExports.status, 'queued')))
      .returning();
  } catch (error) {
    // Still queued: the job is tried again, or the recovery sweep takes it up once its heartbeat is old.
    if (options.retry && isConnectionLoss(error)) throw new RetryableJobError(`export ${exportId} could not be started: the database connection was lost`);
    logError(`export ${exportId} could not be started`, error);
    return;
  }
  if (!job) return;
  const owned = and(eq(audienceExports.id, job.id), eq(audienceExports.status, 'running'), eq(audienceExports.startedAt, job.startedAt!));
  let lost = false;
  const touch = async (values: Changes = {}) => {
    const kept = await db.update(audienceExports).set({ ...values, updatedAt: sql`now()` }).where(owned).returning({ id: audienceExports.id });
    if (kept.length === 0) lost = true;
    if (lost) throw new ClaimLost(`export ${job!.id} was taken over by another build`);
  };
  const heartbeat = setInterval(() => void touch().catch((error: unknown) => error instanceof ClaimLost || logError('export heartbeat failed', error)), heartbeatMs);
  heartbeat.unref();
  try {
    await runBuild(db, job, touch, options.sliceMs);
  } catch (error) {
    if (error instanceof ClaimLost) console.error(`${error.message}: this one stops`);
    else if (options.retry && isConnectionLoss(error)) {
      // Back to the queue from scratch, tried again while connections keep failing (usually one backend
      // was lost, not the database); if it still cannot be written, the sweep finds it dead and requeues it.
      await requeueAfterLoss(db, job.id, owned).catch((again: unknown) => logError(`export ${job!.id} not requeued`, again));
      throw new RetryableJobError(`export ${job.id}: the database connection was lost mid-build; it will be built again`);
    } else await failExport(db, job.id, owned, error).catch((again: unknown) => logError('export failure not recorded', again));
  } finally {
    clearInterval(heartbeat);
  }
}

async function runBuild(db: Database, job: AudienceExportRow, touch: (values?: Changes) => Promise<void>, sliceMs?: number): Promise<void> {
  const [segment] = await db.select({ slug: segments.slug }).from(segments).where(eq(segments.id, job.segmentId));
  const slug = segment?.slug ?? '';
  const rowsTotal = sliceMs === undefined ? await countMembers(db, job) : await countMembersInSlices(db, job, sliceMs, 10 * BUILD_CHUNK);
  await touch({ rowsTotal });

  const skipped: Record<string, number> = {};
  const count = (reason: string, n: number) => n > 0 && (skipped[reason] = (skipped[reason] ?? 0) + n);
  let rowsDone = 0;
  let rowCount = 0;
  let chunkRows = sliceMs === undefined ? BUILD_CHUNK : FIRST_SLICE_ROWS;
  for (let after = ZERO_UUID, last = false; !last; ) {
    // Let requests in between chunks (PGlite answers without ever yielding to the event loop); sliced: let them finish first.
    if (sliceMs === undefined) await new Promise((resolve) => setImmediate(resolve));
    else await foregroundIdle(sliceMs);
    // A slice is timed from here: the chunk's end and its step both run before requests get a turn.
    const started = performance.now();
    const end = await chunkEnd(db, job, after, chunkRows);
    last = end === null;
    let scope: Scope = { after, end };
    for (;;) {
      const chunk = await writeStep(db, job, slug, scope);
      if (sliceMs !== undefined && !('ids' in scope)) chunkRows = nextSliceRows(chunkRows, performance.now() - started, sliceMs, BUILD_CHUNK);
      rowsDone += chunk.seen;
      rowCount += chunk.sent;
      count('no-identifier', chunk.unmatched);
      for (const [column, n] of Object.entries(chunk.invalid)) count(`invalid:${column}`, n);
      if (chunk.missing.length === 0) break;
      await fillExportIdentifiers(db, chunk.missing);
      scope = { ids: chunk.missing };
    }
    if (end !== null) after = end;
    await touch({ rowsDone, rowCount, skippedInvalid: { ...skipped } });
  }
  // Rows of people erased while the chunks ran (their snapshots still showed them) go before the file is visible.
  rowCount -= sliceMs === undefined ? await dropErasedMembers(db, job) : await dropErasedMembersInSlices(db, job, sliceMs, BUILD_CHUNK);
  if (job.previousExportId !== null) rowCount += await removeDeparted(db, job, job.previousExportId);
  if (job.mode === 'DELTA') rowCount += await carryErasures(db, job);
  await purgeCarriedErasures(db, job);
  // Fresh statistics after a bulk write, so the download's keyset batches are planned as index range
  // scans: of the key columns only (the lines and cells are what make a full analyze slow).
  if (sliceMs === undefined) await db.execute(sql`analyze audience_export_rows (export_id, action, sent, profile_id)`);
  else {
    // PGlite: one statement that cannot be sliced; a sample of 3,000 rows instead of 30,000 (still
    // enough to plan the download's key ranges) keeps it to about one slice.
    await foregroundIdle(sliceMs);
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local default_statistics_target = 10`);
      await tx.execute(sql`analyze audience_export_rows (export_id, action, sent, profile_id)`);
    });
  }
  const total = Math.max(rowsDone, rowsTotal);
  await touch({ status: 'done', rowsDone: total, rowsTotal: total, rowCount, skippedInvalid: skipped, finishedAt: sql`now()` });
}

/** Puts an export this build owns back in the queue, as if never started, and deletes what was written. */
/** How often a requeue after a lost connection is tried (100 ms, doubling to 2 s: about 10 s in all). */
export const REQUEUE_ATTEMPTS = 8;

async function requeueAfterLoss(db: Database, exportId: string, owned: SQL | undefined): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await requeueExport(db, exportId, owned);
    } catch (error) {
      if (attempt >= REQUEUE_ATTEMPTS || !isConnectionLoss(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (attempt - 1), 2_000)));
    }
  }
}

async function requeueExport(db: Database, exportId: string, owned: SQL | undefined): Promise<void> {
  const [requeued] = await db.update(audienceExports).set({ ...REQUEUED, updatedAt: sql`now()` }).where(owned).returning({ id: audienceExports.id });
  if (requeued) await db.delete(audienceExportRows).where(eq(audienceExportRows.exportId, exportId));
}

/** Records a failure and deletes what was written, if the export is still this build's. */
async function failExport(db: Database, exportId: string, owned: SQL | undefined, error: unknown): Promise<void> {
  if (!(error instanceof DomainError)) logError(`export ${exportId} failed`, error);
  // Stored and shown to readers of the export: no SQL parameters, no personal data.
  const reason = publicMessageOf(error);
  const [failed] = await db
    .update(audienceExports)
    .set({ status: 'failed', error: `The export could not be built: ${reason.slice(0, 300)}`, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(owned)
    .returning({ id: audienceExports.id });
  if (failed) await db.delete(audienceExportRows).where(eq(audienceExportRows.exportId, exportId));
}
