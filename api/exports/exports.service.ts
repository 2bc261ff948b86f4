/**
 * Audience exports: requesting one (reusing the one in progress for the same segment and
 * destination), reading one, and the shape the API shows. The file is built by build.ts in a
 * `build-export` job (job key = the export, retried when the connection drops) and streamed by
 * download.ts.
 */
import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { asUuid } from '../graphql/ids.js';
import { audienceExportRows, audienceExports, segments, type AudienceExportRow } from '../../drizzle/index.js';
import type { Destination, ExportMode } from './formats.js';
import { exportBuildsInProgress, HEARTBEAT_MS, REQUEUED } from './build.js';
import { logError } from '../log.js';
import type { JobQueue } from '../jobs/jobs.js';

export type ExportFormat = 'CSV' | 'JSONL';

/**
 * When a build counts as dead and how soon that is noticed: a build beats every `heartbeatMs`; one
 * whose last beat is older than `deadAfterMs` died with its process; the sweep looks every
 * `sweepMs`. A dead build is restarted at most deadAfterMs + sweepMs (30 s) after its last beat.
 */
export interface ExportRecoveryTiming {
  heartbeatMs: number;
  deadAfterMs: number;
  sweepMs: number;
}

export const EXPORT_RECOVERY: ExportRecoveryTiming = { heartbeatMs: HEARTBEAT_MS, deadAfterMs: 20_000, sweepMs: 10_000 };

/** Attempts of a build-export job: a build whose connection drops is tried again, up to this many times. */
export const EXPORT_BUILD_ATTEMPTS = 5;

/**
 * Adds (or, with the same job key, replaces) the job that builds `exportId`. Replacing matters when
 * the job is locked by a worker that died (graphile-worker frees such a job only after 4 hours):
 * the locked one loses its key and is never retried, the new one runs now.
 */
export function enqueueExportBuild(jobs: JobQueue, exportId: string): Promise<void> {
  return jobs.addJob('build-export', { exportId }, { jobKey: `export:${exportId}`, maxAttempts: EXPORT_BUILD_ATTEMPTS });
}

/** Queued or running, not built by this process, with a heartbeat older than deadAfterMs: its build died with its process. */
function deadBuild(deadAfterMs: number) {
  const mine = exportBuildsInProgress();
  return and(
    inArray(audienceExports.status, ['queued', 'running']),
    sql`${audienceExports.updatedAt} < now() - make_interval(secs => ${deadAfterMs / 1000})`,
    mine.length > 0 ? notInArray(audienceExports.id, mine) : undefined,
  );
}

/**
 * Restarts every build that died with its process (or whose job is lost): what it wrote is deleted
 * and its job is added again under its key, to be built from the start by whichever worker takes it
 * (its request, previous export and id unchanged). A queued export waiting for a worker is re-added
 * the same way once it has waited deadAfterMs (harmless: same key, and its age starts again). The
 * claim is one conditional update (PostgreSQL re-checks the condition on a row another process has
 * just claimed, and finds it beating), so of several processes only one restarts a given export.
 * Returns the ids restarted.
 */
export async function resumeStaleExports(db: Database, jobs: JobQueue, timing: ExportRecoveryTiming = EXPORT_RECOVERY): Promise<string[]> {
  const claimed = await db
    .update(audienceExports)
    .set({ ...REQUEUED, updatedAt: sql`now()` })
    .where(deadBuild(timing.deadAfterMs))
    .returning({ id: audienceExports.id });
  for (const { id } of claimed) {
    await db.delete(audienceExportRows).where(eq(audienceExportRows.exportId, id));
    await enqueueExportBuild(jobs, id);
  }
  return claimed.map((c) => c.id);
}

/**
 * At start and then every `timing.sweepMs` (every API and worker process): restarts dead builds
 * (resumeStaleExports); once, adds the job that fills in the export identifiers of profiles that
 * have none (one job key: processes starting together add it once). Failures are logged, never thrown.
 */
export function startExportRecovery(db: Database, jobs: JobQueue, timing: ExportRecoveryTiming = EXPORT_RECOVERY): { stop(): void } {
  const resume = () => void resumeStaleExports(db, jobs, timing).catch((error: unknown) => logError('resuming exports failed', error));
  resume();
  const backfill = 'backfill-export-identifiers';
  void jobs.addJob(backfill, {}, { jobKey: backfill, queue: backfill, maxAttempts: 5 }).catch((error: unknown) => logError('export identifier backfill not queued', error));
  const timer = setInterval(resume, timing.sweepMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export async function getAudienceExport(db: Database, workspaceId: string, id: string): Promise<AudienceExportRow> {
  const [row] = await db
    .select()
    .from(audienceExports)
    .where(and(eq(audienceExports.id, asUuid(id, 'export')), eq(audienceExports.workspaceId, workspaceId)));
  if (!row) throw new NotFoundError(`No export ${id}`);
  return row;
}

function activeExport(db: Database, segmentId: string, destination: Destination) {
  return db
    .select()
    .from(audienceExports)
    .where(and(eq(audienceExports.segmentId, segmentId), eq(audienceExports.destination, destination), inArray(audienceExports.status, ['queued', 'running'])));
}

/**
 * Requests an export and returns at once; the build runs in the background. While an export of the
 * same segment to the same destination is queued or running, that one is returned instead (a
 * partial unique index makes this hold under concurrent requests too), so two files are never
 * half-written side by side.
 */
export async function createAudienceExport(
  db: Database,
  jobs: JobQueue,
  workspaceId: string,
  input: { segmentId: string; destination: Destination; format: ExportFormat; mode: ExportMode },
): Promise<AudienceExportRow> {
  const [segment] = await db
    .select({ id: segments.id, slug: segments.slug, status: segments.status })
    .from(segments)
    .where(and(eq(segments.id, asUuid(input.segmentId, 'segment')), eq(segments.workspaceId, workspaceId)));
  if (!segment) throw new NotFoundError(`No segment ${input.segmentId}`);
  if (segment.status === 'archived') throw new ConflictError(`Segment '${segment.slug}' is archived: it has no audience to export`);

  const dead = await db
    .update(audienceExports)
    .set({ status: 'failed', error: 'The build stopped without finishing (the server restarted?): request a new export', finishedAt: sql`now()` })
    .where(and(eq(audienceExports.segmentId, segment.id), eq(audienceExports.destination, input.destination), deadBuild(EXPORT_RECOVERY.deadAfterMs)))
    .returning({ id: audienceExports.id });
  // What a dead build half-wrote goes, so nothing partial is ever read (a failed export has no file).
  if (dead.length > 0) await db.delete(audienceExportRows).where(inArray(audienceExportRows.exportId, dead.map((d) => d.id)));

  const [previous] = await db
    .select({ id: audienceExports.id })
    .from(audienceExports)
    .where(and(eq(audienceExports.workspaceId, workspaceId), eq(audienceExports.segmentId, segment.id), eq(audienceExports.destination, input.destination), eq(audienceExports.status, 'done')))
    .orderBy(desc(audienceExports.finishedAt))
    .limit(1);
  const [created] = await db
    .insert(audienceExports)
    .values({
      workspaceId,
      segmentId: segment.id,
      destination: input.destination,
      format: input.format,
      mode: input.mode,
      previousExportId: input.mode === 'DELTA' ? (previous?.id ?? null) : null,
    })
    .onConflictDoNothing()
    .returning();
  if (created) {
    // A job that could not be added (connection lost) leaves the export queued: the sweep adds it within deadAfter + sweep.
    await enqueueExportBuild(jobs, created.id).catch((error: unknown) => logError(`export ${created.id} not enqueued`, error));
    return created;
  }
  const [running] = await activeExport(db, segment.id, input.destination);
  if (running) return running;
  // The one in progress finished between our insert and this read: ask again.
  return createAudienceExport(db, jobs, workspaceId, input);
}

/** The counts of `skippedInvalid` as a list, largest first. */
export function skipCounts(row: AudienceExportRow): Array<{ reason: string; count: number }> {
  return Object.entries(row.skippedInvalid)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

export function exportProgress(row: AudienceExportRow): number {
  if (row.status === 'done') return 1;
  return row.rowsTotal === 0 ? 0 : Math.min(1, row.rowsDone / row.rowsTotal);
}

export const downloadPath = (id: string): string => `/v1/exports/${id}`;
