/**
 * Time moves segments: "bought in the last 30 days" loses people every day with no event at all.
 * Profile changes are evaluated by the dirty evaluator (dirty-evaluator.ts); a periodic pass
 * evaluates the profiles whose next time-window change has come (due.ts: refreshDueAllWorkspaces)
 * so windows stay true (and size history records it). The API runs the pass as the periodic
 * `refresh-memberships` job (api/jobs/tasks.ts: once per period across all processes);
 * startRefreshScheduler runs it on a timer in one process. refreshAllWorkspaces, the full recompute
 * of every segment of every workspace, is what the pass was before (and the reference of
 * `npm run bench:windows`).
 */
import type { Database } from '../db/index.js';
import { refreshWorkspace } from './membership.service.js';
import { forEachWorkspace, refreshDueAllWorkspaces } from './due.js';

export interface RefreshScheduler {
  /** Runs one pass now (also what the timer runs); resolves when it is done. */
  runOnce(): Promise<void>;
  stop(): void;
}

/**
 * Starts a periodic refresh (default every 15 minutes). Passes never overlap and never throw: a
 * failing workspace is logged and the others still refresh; a pass that cannot start is logged.
 * @example const scheduler = startRefreshScheduler(db); process.on('SIGTERM', () => scheduler.stop());
 */
export function startRefreshScheduler(db: Database, intervalMs = 15 * 60_000, log: (message: string) => void = console.error): RefreshScheduler {
  let running: Promise<void> | null = null;
  const pass = () => refreshDueAllWorkspaces(db, log).then(() => undefined);
  const runOnce = (): Promise<void> => {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}

/**
 * One pass over every workspace; never throws: a failing workspace is logged and the others still
 * refresh; a pass that cannot start (lost connection) is logged and skipped. Returns the workspaces refreshed.
 */
export function refreshAllWorkspaces(db: Database, log: (message: string) => void = console.error): Promise<number> {
  return forEachWorkspace(db, log, (id) => refreshWorkspace(db, id));
}
