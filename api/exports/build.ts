/**
 * Builds an export in the background: keyset batches over the segment's consenting members joined
 * with their profiles, each formatted by formats.ts and written to the export's snapshot
 * (audience_export_rows), with progress, counts and a heartbeat updated after every batch.
 * DELTA: members not in the previous export's audience are added; those still there are carried over
 * unchanged (not in the file); those gone - left, consent withdrawn or erased - are removed with the
 * cells the previous export sent, the only identifiers an erased person has left.
 * The file is visible only once status is 'done'; a failure deletes what was written.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { DomainError } from '../errors.js';
import { audienceExportRows, audienceExports, segments, type AudienceExportRow } from '../../drizzle/index.js';
import { formatRow, type ExportProfile, type RowOptions } from './formats.js';

export const BUILD_BATCH = 5_000;

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

type MemberRow = Omit<ExportProfile, 'visitorIds'> & {
  joinedAt: Date | string;
  visitorIds: string[] | null;
  /** Consenting, not erased, and (DELTA) not in the previous audience. */
  eligible: boolean;
  inPrevious: boolean;
};

/**
 * The next batch of members after `after` (profile id) in key order, with their profiles. The
 * members are taken by the primary key first and the profiles looked up after, so the plan stays a
 * range scan plus index lookups however fresh the statistics; filters apply to the batch, so a
 * batch may hold fewer eligible rows than BUILD_BATCH, and only an empty one ends the scan.
 */
function memberBatch(db: Database, job: AudienceExportRow, after: string, withVisitors: boolean) {
  const visitors = withVisitors
    ? sql`coalesce((select array_agg(v.visitor_id order by v.visitor_id) from profile_visitors v where v.profile_id = p.id), '{}')`
    : sql`null`;
  const inPrevious =
    job.previousExportId === null
      ? sql`false`
      : sql`exists (select 1 from audience_export_rows r where r.export_id = ${job.previousExportId} and r.profile_id = m.profile_id and r.action = 'add')`;
  return db.execute<MemberRow>(sql`
    with m as (
      select profile_id, joined_at from segment_members
      where segment_id = ${job.segmentId} and profile_id > ${after}
      order by profile_id
      limit ${BUILD_BATCH})
    select m.profile_id as "id", m.joined_at as "joinedAt", p.external_id as "externalId", p.email, p.phone,
      p.first_name as "firstName", p.last_name as "lastName", p.city, p.region, p.postal_code as "postalCode",
      p.country, p.madid, ${visitors} as "visitorIds",
      coalesce(p.consent_ads and p.workspace_id = ${job.workspaceId}, false) as "eligible", ${inPrevious} as "inPrevious"
    from m left join profiles p on p.id = m.profile_id
    order by m.profile_id`);
}

function writeRows(db: Database, exportId: string, rows: { ids: string[]; cells: string[]; joinedAt: string[] }) {
  return db.execute(sql`
    insert into audience_export_rows (export_id, profile_id, action, sent, cells, joined_at)
    select ${exportId}, r.profile_id, 'add', true, r.cells, r.joined_at
    from unnest(${sql.param(rows.ids)}::uuid[], ${sql.param(rows.cells)}::text[], ${sql.param(rows.joinedAt)}::timestamptz[]) as r(profile_id, cells, joined_at)`);
}

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

async function countMembers(db: Database, job: AudienceExportRow): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from segment_members m join profiles p on p.id = m.profile_id
    where m.segment_id = ${job.segmentId} and p.workspace_id = ${job.workspaceId} and p.consent_ads`);
  return rows[0]?.n ?? 0;
}

/** Carries the previous audience's members that are still members over (not sent), then removes the rest. */
async function applyPrevious(db: Database, job: AudienceExportRow, previousId: string): Promise<{ carried: number; removed: number }> {
  const carried = await db.execute<{ n: number }>(sql`
    with carried as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, joined_at)
      select ${job.id}, r.profile_id, 'add', false, r.cells, r.joined_at
      from audience_export_rows r
      join segment_members m on m.segment_id = ${job.segmentId} and m.profile_id = r.profile_id
      join profiles p on p.id = r.profile_id and p.consent_ads
      where r.export_id = ${previousId} and r.action = 'add'
      on conflict do nothing
      returning 1)
    select count(*)::int as n from carried`);
  const removed = await db.execute<{ n: number }>(sql`
    with removed as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, joined_at)
      select ${job.id}, r.profile_id, 'remove', true, r.cells, r.joined_at
      from audience_export_rows r
      where r.export_id = ${previousId} and r.action = 'add'
        and not exists (select 1 from audience_export_rows n where n.export_id = ${job.id} and n.profile_id = r.profile_id)
      returning 1)
    select count(*)::int as n from removed`);
  return { carried: carried.rows[0]?.n ?? 0, removed: removed.rows[0]?.n ?? 0 };
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Builds one export to the end; never throws (a failure is recorded on the export). */
export async function buildExport(db: Database, exportId: string): Promise<void> {
  const heartbeat = { updatedAt: sql`now()` };
  try {
    const [job] = await db.select().from(audienceExports).where(eq(audienceExports.id, exportId));
    if (!job || job.status !== 'queued') return;
    const [segment] = await db.select({ slug: segments.slug }).from(segments).where(eq(segments.id, job.segmentId));
    const rowsTotal = await countMembers(db, job);
    await db.update(audienceExports).set({ status: 'running', startedAt: sql`now()`, rowsTotal, ...heartbeat }).where(eq(audienceExports.id, job.id));

    const options: RowOptions = { mode: job.mode, segment: segment?.slug ?? '', metaExternId: 'sha256' };
    const skipped: Record<string, number> = {};
    let rowsDone = 0;
    let rowCount = 0;
    for (let after = ZERO_UUID; ; ) {
      // Let requests in between batches (PGlite answers without ever yielding to the event loop).
      await new Promise((resolve) => setImmediate(resolve));
      const { rows } = await memberBatch(db, job, after, job.destination === 'GENERIC');
      if (rows.length === 0) break;
      const out = { ids: [] as string[], cells: [] as string[], joinedAt: [] as string[] };
      after = rows[rows.length - 1]!.id;
      const todo = rows.filter((member) => member.eligible && !member.inPrevious);
      for (const member of todo) {
        const joinedAt = iso(member.joinedAt);
        const row = formatRow(job.destination, { action: 'add', profile: { ...member, visitorIds: member.visitorIds ?? [] }, joinedAt }, { ...options, mode: 'FULL' });
        for (const column of row.invalid) skipped[`invalid:${column}`] = (skipped[`invalid:${column}`] ?? 0) + 1;
        if (row.ok) {
          out.ids.push(member.id);
          out.cells.push(JSON.stringify(row.cells));
          out.joinedAt.push(joinedAt);
        }
        else skipped[row.reason] = (skipped[row.reason] ?? 0) + 1;
      }
      if (out.ids.length > 0) await writeRows(db, job.id, out);
      rowsDone += todo.length;
      rowCount += out.ids.length;
      await db.update(audienceExports).set({ rowsDone, rowCount, skippedInvalid: { ...skipped }, ...heartbeat }).where(eq(audienceExports.id, job.id));
    }
    if (job.previousExportId !== null) {
      const { carried, removed } = await applyPrevious(db, job, job.previousExportId);
      rowsDone += carried;
      rowCount += removed;
    }
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
