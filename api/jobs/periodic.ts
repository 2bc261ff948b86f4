/**
 * Periodic passes that run once per period across any number of processes: every process ticks
 * at each period boundary and tries to claim the period (an insert into `job_periods` that only
 * one process wins); the winner adds the pass as a job (job key = task and period, in the task's
 * own queue so passes never overlap), which one worker runs. A process that starts mid-period
 * claims that period too, so a pass missed while every process was down runs at the next start.
 * graphile-worker's crontab would do the same on PostgreSQL at minute granularity; this works on
 * PGlite too and at any interval (tests use seconds).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { logError } from '../log.js';
import type { JobQueue, TaskName } from './jobs.js';

export interface PeriodicTask {
  task: TaskName;
  everyMs: number;
  maxAttempts?: number;
}

/** Claimed periods older than this are deleted when a new one is claimed. */
const KEEP_PERIODS_MS = 7 * 86_400_000;

/** Claims the period starting at `periodStart` for `task`; true for the one process that wins it. */
export async function claimPeriod(db: Database, task: string, periodStart: Date): Promise<boolean> {
  const { rows } = await db.execute<{ task: string }>(sql`
    insert into job_periods (task, period_start) values (${task}, ${periodStart}) on conflict do nothing returning task`);
  if (rows.length === 0) return false;
  await db.execute(sql`delete from job_periods where task = ${task} and period_start < ${new Date(periodStart.getTime() - KEEP_PERIODS_MS)}`);
  return true;
}

/** Starts ticking; stop() clears the timers. Failures (a lost connection) are logged; the next tick tries again. */
export function startPeriodicTasks(db: Database, jobs: JobQueue, items: readonly PeriodicTask[], now: () => number = Date.now): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const tick = async (item: PeriodicTask): Promise<void> => {
    const start = new Date(Math.floor(now() / item.everyMs) * item.everyMs);
    try {
      if (await claimPeriod(db, item.task, start)) {
        const period = start.toISOString();
        await jobs.addJob(item.task, { period }, { jobKey: `${item.task}@${period}`, queue: item.task, maxAttempts: item.maxAttempts ?? 1 });
      }
    } catch (error) {
      logError(`periodic ${item.task} could not be scheduled`, error);
    }
  };
  const schedule = (item: PeriodicTask): void => {
    if (stopped) return;
    // A few ms past the boundary, so the period computed is the new one.
    const wait = item.everyMs - (now() % item.everyMs) + 5;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void tick(item).finally(() => schedule(item));
    }, wait);
    timer.unref();
    timers.add(timer);
  };
  for (const item of items) {
    if (!(item.everyMs > 0)) continue;
    void tick(item).finally(() => schedule(item));
  }
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
