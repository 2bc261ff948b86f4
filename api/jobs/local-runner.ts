/**
 * The single-process job runner (PGlite, where only one process may open the database): the same
 * interface and semantics as graphile-worker, over the `jobs` table, so a queued job survives a
 * restart. One job runs at a time (PGlite runs one statement at a time anyway); addJob wakes the
 * loop at once, a timer polls for jobs that come due (retries, runAt). A job locked by a runner
 * that no longer exists (the process died) is released when a runner starts.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { describeForLog, logError } from '../log.js';
import type { AddJobOptions, JobRunner, TaskContext, TaskList, TaskName } from './jobs.js';

export interface LocalRunnerOptions {
  /** Claim and run jobs here (default true); false: a queue only. */
  runWorkers?: boolean;
  /** How often to look for jobs that came due (default 1000 ms). */
  pollMs?: number;
  /** Passed to tasks (see TaskContext.sliceMs). */
  sliceMs?: number;
}

export interface LocalJobRunner extends JobRunner {
  /** Resolves once no job is due or running (jobs scheduled later do not count). For tests and benches. */
  settle(): Promise<void>;
}

/** Runners alive in this process: a job locked by any other runner id was left by a dead process. */
const liveRunners = new Set<string>();

type ClaimedJob = {
  id: number;
  task: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
};

export async function startLocalJobRunner(db: Database, tasks: TaskList, options: LocalRunnerOptions = {}): Promise<LocalJobRunner> {
  const id = `local:${process.pid}:${randomUUID()}`;
  const runWorkers = options.runWorkers ?? true;
  const pollMs = options.pollMs ?? 1000;
  let stopped = false;
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const names = Object.keys(tasks);

  const queue = {
    async addJob(task: TaskName, payload: Record<string, unknown>, opts: AddJobOptions = {}): Promise<void> {
      const runAt = opts.runAt ?? new Date();
      const maxAttempts = opts.maxAttempts ?? 25;
      if (!opts.jobKey) {
        await db.execute(sql`insert into jobs (task, payload, run_at, max_attempts) values (${task}, ${payload}, ${runAt}, ${maxAttempts})`);
      } else {
        const key = opts.jobKey;
        await db.transaction(async (tx) => {
          // As graphile-worker: a running job of this key has started on stale information; a new job supersedes it (it is not retried).
          await tx.execute(sql`update jobs set job_key = null, attempts = max_attempts where job_key = ${key} and locked_at is not null`);
          await tx.execute(sql`
            insert into jobs (task, payload, job_key, run_at, max_attempts) values (${task}, ${payload}, ${key}, ${runAt}, ${maxAttempts})
            on conflict (job_key) do update set task = excluded.task, payload = excluded.payload, run_at = excluded.run_at,
              max_attempts = excluded.max_attempts, attempts = 0, last_error = null`);
        });
      }
      wake?.();
    },
  };

  // Claimed only while no job runs here: a job still locked by this runner is an orphan, one whose
  // outcome could not be recorded (the connection died under the delete or the retry update, or under
  // the claim's commit) and it is claimed again rather than left locked for ever.
  const claim = async (): Promise<ClaimedJob | undefined> => {
    const { rows } = await db.execute<ClaimedJob>(sql`
      update jobs set locked_at = now(), locked_by = ${id}, attempts = attempts + 1
      where id = (
        select id from jobs where (locked_at is null or locked_by = ${id}) and run_at <= now() and attempts < max_attempts and task = any(${sql.param(names)}::text[])
        order by run_at, id limit 1 for update skip locked)
      returning id, task, payload, attempts, max_attempts`);
    return rows[0];
  };

  const run = async (job: ClaimedJob): Promise<void> => {
    const context: TaskContext = { db, jobs: queue, attempt: job.attempts, maxAttempts: job.max_attempts, sliceMs: options.sliceMs };
    try {
      await tasks[job.task as TaskName](job.payload, context);
      await db.execute(sql`delete from jobs where id = ${job.id}`);
    } catch (error) {
      const last = job.attempts >= job.max_attempts;
      logError(`job ${job.task} #${job.id} failed (attempt ${job.attempts} of ${job.max_attempts}${last ? ', giving up' : ', will retry'})`, error);
      // Backoff as graphile-worker's: exp(attempts) seconds.
      await db.execute(sql`
        update jobs set locked_at = null, locked_by = null, last_error = ${describeForLog(error).slice(0, 1000)},
          run_at = now() + make_interval(secs => exp(least(attempts, 10)))
        where id = ${job.id}`);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      let job: ClaimedJob | undefined;
      try {
        job = await claim();
      } catch (error) {
        logError('claiming a job failed', error);
      }
      if (job) {
        running = run(job).catch((error: unknown) => logError(`job ${job.task} #${job.id} could not be recorded`, error));
        await running;
        running = null;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        timer.unref();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  };

  let looping: Promise<void> = Promise.resolve();
  if (runWorkers) {
    liveRunners.add(id);
    const live = [...liveRunners];
    await db
      .execute(sql`update jobs set locked_at = null, locked_by = null where locked_at is not null and locked_by <> all(${sql.param(live)}::text[])`)
      .catch((error: unknown) => logError('releasing the jobs of a dead runner failed', error));
    looping = loop();
  }

  return {
    kind: 'local',
    runsWorkers: runWorkers,
    addJob: queue.addJob,
    async settle() {
      for (;;) {
        // A lost connection (a fault test) counts as "not settled yet": ask again.
        const due = await db
          .execute<{ due: boolean }>(sql`
            select exists (select 1 from jobs where run_at <= now() and attempts < max_attempts and task = any(${sql.param(names)}::text[])) as due`)
          .then(({ rows }) => rows[0]?.due === true, () => true);
        if (!due && running === null) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      wake?.();
      await looping;
      liveRunners.delete(id);
    },
  };
}
