/**
 * The task registry: every background task by name, and the periodic ones. Adding a task: a
 * name in jobs.ts's TaskName, a handler here (payloads are JSON; check what you read), and, if it
 * is periodic, an entry in periodicTasks.
 */
import { runExportBuild } from '../exports/build.js';
import { backfillExportIdentifiers } from '../exports/identifiers.js';
import { refreshDueAllWorkspaces } from '../segments/due.js';
import { EDGE_REACH_KEEP_DAYS, pruneEdgeReach } from '../events/edge-reach.js';
import { fitAllWorkspaces, runPredictiveFitTask } from '../predictive/jobs.js';
import type { PeriodicTask } from './periodic.js';
import type { TaskList } from './jobs.js';

export const TASKS: TaskList = {
  /** Builds one export (payload `{ exportId }`); job key `export:<id>`, retried when the connection drops. */
  'build-export': async (payload, context) => {
    const exportId = payload.exportId;
    if (typeof exportId !== 'string') throw new Error(`build-export needs { exportId: string }, got ${JSON.stringify(payload).slice(0, 200)}`);
    console.log(`export ${exportId}: build job started (attempt ${context.attempt} of ${context.maxAttempts}, pid ${process.pid})`);
    await runExportBuild(context.db, exportId, { retry: context.attempt < context.maxAttempts, sliceMs: context.sliceMs });
  },
  /** Export identifiers of profiles that have none (written before they existed, or by another path); added at every start, one at a time. */
  'backfill-export-identifiers': async (_payload, context) => {
    // Smaller batches on PGlite: each is one statement that holds the database and the event loop.
    const filled = await backfillExportIdentifiers(context.db, context.sliceMs === undefined ? 2_000 : 200);
    if (filled > 0) console.log(`export identifiers filled in for ${filled} profiles`);
  },
  /** The periodic membership refresh (time windows move without events: the profiles due, api/segments/due.ts); payload `{ period }`. */
  'refresh-memberships': async (payload, context) => {
    const started = Date.now();
    // Two batches side by side on PostgreSQL (sliceMs is set on PGlite: one connection, small batches).
    const options = context.sliceMs === undefined ? { concurrency: 2 } : { batchSize: 200 };
    const workspaces = await refreshDueAllWorkspaces(context.db, console.error, options);
    console.log(`membership refresh pass ${String(payload.period)}: ${workspaces} workspaces in ${Date.now() - started} ms`);
  },
  /** Hourly: drops edge reach rows older than EDGE_REACH_KEEP_DAYS (api/events/edge-reach.ts); payload `{ period }`. */
  'prune-edge-reach': async (_payload, context) => {
    // Smaller statements on PGlite: each holds the database and the event loop.
    const pruned = await pruneEdgeReach(context.db, new Date(), context.sliceMs === undefined ? 50_000 : 2_000);
    if (pruned > 0) console.log(`edge reach: ${pruned} rows older than ${EDGE_REACH_KEEP_DAYS} days pruned`);
  },
  /**
   * Fits the predictive models and scores profiles (api/predictive/): payload `{ workspaceId }` for
   * one workspace (fitPredictiveModels), or `{ period }` from the daily pass for every workspace
   * with purchases. A fit that does not converge is recorded with its reason, not retried.
   */
  'fit-predictive-models': async (payload, context) => {
    if (payload.workspaceId !== undefined) {
      await runPredictiveFitTask(context.db, payload, new Date());
      return;
    }
    const fitted = await fitAllWorkspaces(context.db, new Date());
    console.log(`predictive models: ${fitted} workspaces fitted (pass ${String(payload.period)})`);
  },
  // The dirty-profile evaluator (issue 10, item 1) joins here as a task, started by a periodic
  // entry below or re-added by itself while profiles are dirty.
};

/** The periodic passes: the membership refresh every REFRESH_INTERVAL_MINUTES (15; 0 turns it off), the edge reach pruning every hour, the predictive model fits every day. */
export function periodicTasks(env: NodeJS.ProcessEnv = process.env): PeriodicTask[] {
  const minutes = Number(env.REFRESH_INTERVAL_MINUTES ?? 15);
  if (!Number.isFinite(minutes) || minutes < 0) throw new Error(`REFRESH_INTERVAL_MINUTES must be a number of minutes >= 0, not '${env.REFRESH_INTERVAL_MINUTES}'`);
  const prune: PeriodicTask = { task: 'prune-edge-reach', everyMs: 3_600_000 };
  const predict: PeriodicTask = { task: 'fit-predictive-models', everyMs: 86_400_000, maxAttempts: 3 };
  return minutes > 0 ? [{ task: 'refresh-memberships', everyMs: Math.round(minutes * 60_000) }, prune, predict] : [prune, predict];
}
