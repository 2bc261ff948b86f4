/**
 * Erasure in audience exports. At erasure every stored row of the person goes, in the erasure's
 * transaction (old FULL and DELTA files no longer hold them), and for each segment and destination
 * they were exported to one removal is kept for the next DELTA: the cells of their last add with
 * every raw identifier blanked - META keeps its SHA-256 columns (EMAIL ... COUNTRY) and loses MADID
 * and EXTERN_ID; GOOGLE keeps Email, Phone and the names and loses the clear Country and Zip;
 * GENERIC keeps the profile id it sent (an opaque random id, the only key its consumer has) and the
 * two hashes, and loses external_id, visitor_ids and joined_at. A removal left without any hashed
 * identifier the platform can match by is not kept (it could not remove anything).
 * A DELTA build copies the pending removals into its file (carryErasures); the next export of that
 * segment to that destination deletes them (purgeCarriedErasures).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { exportErasureRemovals, type AudienceExportRow } from '../../drizzle/index.js';
import { COLUMNS, type Cell, type Destination } from './formats.js';
import { removalLineSql } from './build-sql.js';

const KEPT: Record<Destination, ReadonlySet<string>> = {
  META: new Set(['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY']),
  GOOGLE: new Set(['Email', 'Phone', 'First Name', 'Last Name']),
  GENERIC: new Set(['profile_id', 'email_sha256', 'phone_sha256', 'segment']),
};

/** The cells of an erased person's removal (hashed identifiers only), or null when none is left to match by. Pure. */
export function erasureCells(destination: Destination, cells: readonly Cell[]): Cell[] | null {
  const columns = COLUMNS[destination];
  const kept = columns.map((column, k): Cell => (KEPT[destination].has(column) ? (cells[k] ?? null) : column === 'visitor_ids' ? [] : null));
  const has = (column: string) => {
    const value = kept[columns.indexOf(column as never)];
    return typeof value === 'string' && value !== '';
  };
  const matchable =
    destination === 'META'
      ? has('EMAIL') || has('PHONE') || (has('FN') && has('LN') && (has('ZIP') || has('CT')))
      : destination === 'GOOGLE'
        ? has('Email') || has('Phone')
        : has('profile_id');
  return matchable ? kept : null;
}

type ErasedRow = { exportId: string; action: 'add' | 'remove'; sent: boolean; cells: string; segmentId: string; destination: Destination; createdAt: number };

/**
 * Deletes every export row of the profile (lowering the exports' row counts) and records one
 * pending removal per segment and destination it was added to. Run in the erasure's transaction,
 * before the profile is deleted.
 */
export async function eraseFromExports(tx: Database, workspaceId: string, profileId: string): Promise<void> {
  // The workspace's export ids as an array: each is probed by the primary key (export_id, profile_id), never a scan of the rows.
  const { rows } = await tx.execute<ErasedRow>(sql`
    with gone as (
      delete from audience_export_rows r
      where r.export_id = any(array(select x.id from audience_exports x where x.workspace_id = ${workspaceId})) and r.profile_id = ${profileId}
      returning r.export_id, r.action, r.sent, r.cells),
    counts as (
      update audience_exports a set row_count = a.row_count - n.sent
      from (select export_id, count(*) filter (where sent)::int as sent from gone group by export_id) n
      where a.id = n.export_id and n.sent > 0)
    select g.export_id as "exportId", g.action, g.sent, g.cells, x.segment_id as "segmentId", x.destination, extract(epoch from x.created_at)::float8 as "createdAt"
    from gone g join audience_exports x on x.id = g.export_id`);
  const last = new Map<string, ErasedRow>();
  for (const row of rows) {
    if (row.action !== 'add') continue;
    const chain = `${row.segmentId} ${row.destination}`;
    const seen = last.get(chain);
    if (!seen || Number(row.createdAt) > Number(seen.createdAt)) last.set(chain, row);
  }
  const pending = [...last.values()].flatMap((row) => {
    const cells = erasureCells(row.destination, JSON.parse(row.cells) as Cell[]);
    return cells ? [{ workspaceId, segmentId: row.segmentId, destination: row.destination, cells: JSON.stringify(cells) }] : [];
  });
  if (pending.length > 0) await tx.insert(exportErasureRemovals).values(pending);
}

/**
 * Deletes the add rows a build wrote for profiles erased while it ran (its snapshot still showed
 * them); returns how many of them were sent.
 */
export async function dropErasedMembers(db: Database, job: AudienceExportRow): Promise<number> {
  const { rows } = await db.execute<{ sent: number }>(sql`
    with gone as (
      delete from audience_export_rows r
      where r.export_id = ${job.id} and r.action = 'add' and not exists (select 1 from profiles p where p.id = r.profile_id)
      returning r.sent)
    select count(*) filter (where sent)::int as sent from gone`);
  return rows[0]?.sent ?? 0;
}

/** Writes the pending erasure removals of the segment and destination into this DELTA; returns how many. */
export async function carryErasures(db: Database, job: AudienceExportRow): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with carried as (
      update export_erasure_removals e set carried_by = ${job.id}
      where e.segment_id = ${job.segmentId} and e.destination = ${job.destination}
        and (e.carried_by is null or e.carried_by = ${job.id}
          or exists (select 1 from audience_exports x where x.id = e.carried_by and x.status = 'failed'))
      returning e.id, e.cells),
    written as (
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line, joined_at)
      select ${job.id}::uuid, c.id, 'remove', true, c.cells, ${removalLineSql(job, sql`c.cells`)}, null from carried c
      on conflict do nothing
      returning 1)
    select count(*)::int as n from written`);
  return rows[0]?.n ?? 0;
}

/**
 * Once a later export of the segment to the destination is built, the erasure removals an earlier
 * DELTA carried have been sent: they go from that file and from the pending records.
 */
export async function purgeCarriedErasures(db: Database, job: AudienceExportRow): Promise<void> {
  await db.execute(sql`
    with gone as (
      delete from export_erasure_removals e
      using audience_exports x
      where e.segment_id = ${job.segmentId} and e.destination = ${job.destination}
        and x.id = e.carried_by and x.id <> ${job.id} and x.status = 'done'
      returning e.id, e.carried_by),
    lines as (
      delete from audience_export_rows r using gone g
      where r.export_id = g.carried_by and r.profile_id = g.id and r.action = 'remove'
      returning r.export_id)
    update audience_exports a set row_count = a.row_count - n.n
    from (select export_id, count(*)::int as n from lines group by export_id) n
    where a.id = n.export_id`);
}
