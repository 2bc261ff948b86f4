/**
 * The parts of an export build that walk the segment's members or the export's rows by key, in
 * slices whose cost follows their size (PGlite, where every statement runs on the event loop and a
 * request waits for the one in flight: BuildOptions.sliceMs).
 *
 * PGlite has no autovacuum, so these tables have no statistics there: the planner takes
 * `segment_id = $1` for a rare value and, for "the next N members after X", chose a bitmap scan of
 * the WHOLE segment and a sort of it, and for their profiles a hash of every profile of the
 * workspace. Measured at 30,000 members: 650 ms for the end of a 2,000-member chunk and 390 ms for a
 * count slice of 200, whatever the slice's size (the time behind the 750 ms p99 of bench:jobs). In
 * key order - the primary key's range scan, a probe per member - the same took 28 and 68 ms, and
 * a slice now costs what its rows cost. The settings are local to the statement's transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { AudienceExportRow } from '../../drizzle/index.js';
import { foregroundIdle } from '../jobs/foreground.js';

export const FIRST_SLICE_ROWS = 200;
const MIN_SLICE_ROWS = 50;

/** The next slice's rows, aimed at `sliceMs` from the last one's time, growing at most 2x a step (a cold first slice is slow). */
export function nextSliceRows(rows: number, ms: number, sliceMs: number, max: number): number {
  return Math.max(MIN_SLICE_ROWS, Math.min(max, 2 * rows, Math.round((rows * sliceMs) / Math.max(1, ms))));
}

/** Runs `statement` planned in key order: index range scans and probes, no sort of a whole range, no hash of a whole table. */
export function inKeyOrder<T extends Record<string, unknown>>(db: Database, statement: SQL): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_sort = off`);
    await tx.execute(sql`set local enable_bitmapscan = off`);
    await tx.execute(sql`set local enable_hashjoin = off`);
    return (await tx.execute<T>(statement)).rows;
  });
}

/**
 * Runs `step` over key ranges of `size` rows after ZERO_UUID until it reports fewer rows than asked,
 * waiting for the requests in flight before each slice and sizing the next one from the time this
 * one took (about `sliceMs`, at most `max` rows). `step` returns the rows it saw and the last key.
 */
export async function inSlices(sliceMs: number, max: number, step: (after: string, size: number) => Promise<{ seen: number; last: string | null }>): Promise<void> {
  let size = FIRST_SLICE_ROWS;
  for (let after: string | null = ZERO_UUID; after !== null; ) {
    await foregroundIdle(sliceMs);
    const started = performance.now();
    const { seen, last } = await step(after, size);
    after = seen === size ? last : null;
    size = nextSliceRows(size, performance.now() - started, sliceMs, max);
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The segment's consenting members of the export's workspace, counted in slices of about `sliceMs`. */
export async function countMembersInSlices(db: Database, job: AudienceExportRow, sliceMs: number, max: number): Promise<number> {
  let total = 0;
  await inSlices(sliceMs, max, async (after, size) => {
    const [row] = await inKeyOrder<{ n: number; last: string | null; seen: number }>(
      db,
      sql`
      select count(*) filter (where exists (select 1 from profiles p where p.id = s.profile_id and p.workspace_id = ${job.workspaceId} and p.consent_ads))::int as n,
        max(s.profile_id::text) as last, count(*)::int as seen
      from (select profile_id from segment_members where segment_id = ${job.segmentId} and profile_id > ${after}::uuid order by profile_id limit ${size}) s`,
    );
    total += row?.n ?? 0;
    return { seen: row?.seen ?? 0, last: row?.last ?? null };
  });
  return total;
}

/**
 * dropErasedMembers (erasure.ts) in slices of the export's add rows: deletes those of profiles erased
 * while the build ran; returns how many of them were sent. An erasure between two slices deletes the
 * person's rows itself (it sees every committed row), as it would after the one statement.
 */
export async function dropErasedMembersInSlices(db: Database, job: AudienceExportRow, sliceMs: number, max: number): Promise<number> {
  let sent = 0;
  await inSlices(sliceMs, max, async (after, size) => {
    const [row] = await inKeyOrder<{ sent: number; last: string | null; seen: number }>(
      db,
      sql`
      with batch as (
        select r.profile_id from audience_export_rows r
        where r.export_id = ${job.id} and r.action = 'add' and r.profile_id > ${after}::uuid
        order by r.profile_id limit ${size}),
      gone as (
        delete from audience_export_rows r using batch b
        where r.export_id = ${job.id} and r.action = 'add' and r.profile_id = b.profile_id
          and not exists (select 1 from profiles p where p.id = r.profile_id)
        returning r.sent)
      select (select count(*) filter (where sent)::int from gone) as sent,
        (select max(profile_id::text) from batch) as last, (select count(*)::int from batch) as seen`,
    );
    sent += row?.sent ?? 0;
    return { seen: row?.seen ?? 0, last: row?.last ?? null };
  });
  return sent;
}
