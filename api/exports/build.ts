/**
 * Builds an export in the background, set-based: the segment's consenting members are taken in
 * chunks of BUILD_CHUNK (by profile id), and one `insert ... select` per chunk writes their rows -
 * cells and encoded line made in SQL (build-sql.ts) from the identifiers normalised and hashed when
 * each profile was written (identifiers.ts) - with progress, counts and a heartbeat after every chunk.
 * Members whose identifiers are missing (written by another path, or changed since) have them
 * computed here first. DELTA: a member still there with the same cells as in the previous export is
 * carried over (kept, not sent); one added or whose cells changed is sent as an add; then every
 * previous row not carried - left, consent withdrawn, erased, or changed - is removed with the cells
 * the previous export sent (the only identifiers an erased person has left).
 * The file is visible only once status is 'done'; a failure deletes what was written.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { DomainError } from '../errors.js';
import { audienceExportRows, audienceExports, segments, type AudienceExportRow } from '../../drizzle/index.js';
import { memberSql, removalLineSql, VISITORS_JOIN } from './build-sql.js';
import { fillExportIdentifiers } from './identifiers.js';

export const BUILD_CHUNK = 20_000;

const inFlight = new Set<Promise<void>>();

/** Starts building an export without waiting for it. */
export function startExportBuild(db: Database, exportId: string): void {
  const build = buildExport(db, exportId).finally(() => inFlight.delete(build));
  inFlight.add(build);
}

/** Resolves when every build started in this process has settled (graceful shutdown, benches). */
export async function settleExportBuilds(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

type ChunkResult = {
  seen: number;
  sent: number;
  unmatched: number;
  invalid: Record<string, number> | null;
  missing: string[];
};

/** Writes the rows of the members `which` selects; returns the counts and the members lacking identifiers (not written). */
async function writeChunk(db: Database, job: AudienceExportRow, slug: string, which: SQL): Promise<ChunkResult> {
  const member = memberSql(job, slug);
  const previous =
    job.previousExportId === null
      ? sql`null::text`
      : sql`(select r.cells from audience_export_rows r where r.export_id = ${job.previousExportId} and r.profile_id = m.profile_id and r.action = 'add')`;
  const { rows } = await db.execute<ChunkResult>(sql`
    with src as (
      select m.profile_id, m.joined_at, i.profile_id is not null as known, ${member.ok} as ok, ${member.invalid} as invalid,
        ${member.cells} as cells, ${member.line} as line, ${previous} as previous
      from segment_members m
      join profiles p on p.id = m.profile_id and p.workspace_id = ${job.workspaceId} and p.consent_ads
      left join profile_export_identifiers i on i.profile_id = m.profile_id
      ${job.destination === 'GENERIC' ? VISITORS_JOIN : sql``}
      where m.segment_id = ${job.segmentId} and ${which}),
    ins as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line, joined_at)
      select ${job.id}::uuid, profile_id, 'add', sent, cells, case when sent then line end, joined_at
      from (select *, previous is distinct from cells as sent from src where known and ok) s
      returning sent)
    select
      (select count(*)::int from src where known) as seen,
      (select count(*)::int from ins where sent) as sent,
      (select count(*)::int from src where known and not ok) as unmatched,
      (select json_object_agg(c, n) from (select c, count(*)::int as n from src, unnest(invalid) as c where known group by c) x) as invalid,
      (select coalesce(array_agg(profile_id::text), '{}') from src where not known) as missing`);
  const result = rows[0]!;
  return { ...result, invalid: typeof result.invalid === 'string' ? (JSON.parse(result.invalid) as Record<string, number>) : result.invalid };
}

/** The last profile id of the chunk after `after`, or null when the rest fits in one chunk. */
async function chunkEnd(db: Database, job: AudienceExportRow, after: string): Promise<string | null> {
  const { rows } = await db.execute<{ id: string }>(sql`
    select profile_id::text as id from segment_members where segment_id = ${job.segmentId} and profile_id > ${after}
    order by profile_id offset ${BUILD_CHUNK - 1} limit 1`);
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

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Builds one export to the end; never throws (a failure is recorded on the export). */
export async function buildExport(db: Database, exportId: string): Promise<void> {
  const heartbeat = { updatedAt: sql`now()` };
  try {
    const [job] = await db.select().from(audienceExports).where(eq(audienceExports.id, exportId));
    if (!job || job.status !== 'queued') return;
    const [segment] = await db.select({ slug: segments.slug }).from(segments).where(eq(segments.id, job.segmentId));
    const slug = segment?.slug ?? '';
    const rowsTotal = await countMembers(db, job);
    await db.update(audienceExports).set({ status: 'running', startedAt: sql`now()`, rowsTotal, ...heartbeat }).where(eq(audienceExports.id, job.id));

    const skipped: Record<string, number> = {};
    const count = (reason: string, n: number) => n > 0 && (skipped[reason] = (skipped[reason] ?? 0) + n);
    let rowsDone = 0;
    let rowCount = 0;
    for (let after = ZERO_UUID, last = false; !last; ) {
      // Let requests in between chunks (PGlite answers without ever yielding to the event loop).
      await new Promise((resolve) => setImmediate(resolve));
      const end = await chunkEnd(db, job, after);
      last = end === null;
      let which = end === null ? sql`m.profile_id > ${after}` : sql`m.profile_id > ${after} and m.profile_id <= ${end}`;
      for (;;) {
        const chunk = await writeChunk(db, job, slug, which);
        rowsDone += chunk.seen;
        rowCount += chunk.sent;
        count('no-identifier', chunk.unmatched);
        for (const [column, n] of Object.entries(chunk.invalid ?? {})) count(`invalid:${column}`, n);
        if (chunk.missing.length === 0) break;
        await fillExportIdentifiers(db, chunk.missing);
        which = sql`m.profile_id = any(${sql.param(chunk.missing)}::uuid[])`;
      }
      if (end !== null) after = end;
      await db.update(audienceExports).set({ rowsDone, rowCount, skippedInvalid: { ...skipped }, ...heartbeat }).where(eq(audienceExports.id, job.id));
    }
    if (job.previousExportId !== null) rowCount += await removeDeparted(db, job, job.previousExportId);
    // Fresh statistics after a bulk write, so the download's keyset batches are planned as index range scans.
    await db.execute(sql`analyze audience_export_rows`);
    await db
      .update(audienceExports)
      .set({ status: 'done', rowsDone: Math.max(rowsDone, rowsTotal), rowsTotal: Math.max(rowsDone, rowsTotal), rowCount, skippedInvalid: skipped, finishedAt: sql`now()`, ...heartbeat })
      .where(and(eq(audienceExports.id, job.id), eq(audienceExports.status, 'running')));
  } catch (error) {
    await failExport(db, exportId, error).catch((again: unknown) => console.error('export failure not recorded:', again));
  }
}

async function failExport(db: Database, exportId: string, error: unknown): Promise<void> {
  if (!(error instanceof DomainError)) console.error(`export ${exportId} failed:`, error);
  const reason = error instanceof Error ? error.message : String(error);
  await db.delete(audienceExportRows).where(eq(audienceExportRows.exportId, exportId));
  await db
    .update(audienceExports)
    .set({ status: 'failed', error: `The export could not be built: ${reason.slice(0, 300)}`, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(audienceExports.id, exportId));
}
