/**
 * The file of a done export, streamed from its snapshot in keyset batches of the lines the build
 * encoded: a pull-based stream reads the next batch only when the client has taken the last one, so
 * memory stays constant whatever the size, and a client that goes away just stops the reads (the
 * export is untouched and can be downloaded again). Rows of exports built before lines were stored
 * are encoded from their cells here.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError } from '../errors.js';
import type { AudienceExportRow } from '../../drizzle/index.js';
import { encodeCsvRow, encodeJsonlRow, exportHeader, type Cell } from './formats.js';
import { getAudienceExport } from './exports.service.js';

export const DOWNLOAD_BATCH = 10_000;

export interface ExportFile {
  contentType: string;
  filename: string;
  rowCount: number;
  body: ReadableStream<Uint8Array>;
}

/** The export's file, or CONFLICT (with its status) when it is not done. */
export async function openExportFile(db: Database, workspaceId: string, id: string, segmentSlug: (segmentId: string) => Promise<string>): Promise<ExportFile> {
  const job = await getAudienceExport(db, workspaceId, id);
  if (job.status !== 'done') {
    const detail = job.status === 'failed' ? `failed: ${job.error ?? 'unknown error'}` : `${job.status} (${Math.round((job.rowsTotal ? job.rowsDone / job.rowsTotal : 0) * 100)}%)`;
    throw new ConflictError(`Export ${job.id} is ${detail}; only a done export can be downloaded`, { status: job.status.toUpperCase() });
  }
  const slug = await segmentSlug(job.segmentId);
  const extension = job.format === 'CSV' ? 'csv' : 'jsonl';
  return {
    contentType: job.format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: `${slug}-${job.destination.toLowerCase()}-${job.mode.toLowerCase()}-${job.id}.${extension}`,
    rowCount: job.rowCount,
    body: exportStream(db, job),
  };
}

type SnapshotRow = {
  profileId: string;
  action: 'add' | 'remove';
  line: string | null;
  /** Only when `line` is null. */
  cells: string | null;
};

/** The encoded rows of an export, one chunk per batch, read on demand. */
export function exportStream(db: Database, job: AudienceExportRow): ReadableStream<Uint8Array> {
  const header = exportHeader(job.destination, job.mode);
  const encoder = new TextEncoder();
  const encode = (cells: readonly Cell[]): string => (job.format === 'CSV' ? encodeCsvRow(cells) : encodeJsonlRow(header, cells));
  let after: { profileId: string; action: string } | null = null;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (job.format === 'CSV') controller.enqueue(encoder.encode(encodeCsvRow(header)));
      },
      async pull(controller) {
        const { rows } = await db.execute<SnapshotRow>(sql`
          select profile_id as "profileId", action, line, case when line is null then cells end as cells from audience_export_rows
          where export_id = ${job.id} and sent
            ${after === null ? sql`` : sql`and (profile_id, action) > (${after.profileId}::uuid, ${after.action}::export_row_action)`}
          order by profile_id, action
          limit ${DOWNLOAD_BATCH}`);
        if (cancelled) return;
        if (rows.length === 0) {
          controller.close();
          return;
        }
        let chunk = '';
        for (const row of rows) {
          if (row.line !== null) chunk += row.line;
          else {
            const cells = JSON.parse(row.cells ?? '[]') as Cell[];
            chunk += encode(job.mode === 'DELTA' ? [row.action, ...cells] : cells);
          }
        }
        const last = rows[rows.length - 1]!;
        after = { profileId: last.profileId, action: last.action };
        controller.enqueue(encoder.encode(chunk));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 1 },
  );
}
