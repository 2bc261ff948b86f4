/**
 * The job interface every background task goes through, whatever runs it: graphile-worker on
 * PostgreSQL (graphile-runner.ts: any number of processes, `npm run worker`), a single-process
 * runner over the `jobs` table on PGlite (local-runner.ts). Services only ever see `JobQueue`.
 */
import type { Database } from '../db/index.js';

export interface AddJobOptions {
  /** At most one pending job per key: adding again replaces it (payload, run_at); a running one is superseded by a new job. */
  jobKey?: string;
  runAt?: Date;
  /** Attempts before the job is given up (kept with its last error); default 25, as graphile-worker. */
  maxAttempts?: number;
  /** Jobs of one named queue run one at a time, in order (e.g. periodic passes never overlap). */
  queue?: string;
}

export interface JobQueue {
  addJob(task: TaskName, payload: Record<string, unknown>, options?: AddJobOptions): Promise<void>;
}

/** What a task runs with. */
export interface TaskContext {
  db: Database;
  jobs: JobQueue;
  /** This attempt (1 for the first run) and the last one allowed: a task fails for good on the last. */
  attempt: number;
  maxAttempts: number;
  /**
   * Set on PGlite, where a statement holds the only connection and the event loop: a long task
   * works in slices of about this many milliseconds and yields between them, so a request never
   * waits much longer than one slice behind it.
   */
  sliceMs?: number;
}

export type Task = (payload: Record<string, unknown>, context: TaskContext) => Promise<void>;

/** The task names (api/jobs/tasks.ts registers one handler for each). */
export type TaskName = 'build-export' | 'backfill-export-identifiers' | 'refresh-memberships' | 'prune-edge-reach' | 'fit-predictive-models';

export type TaskList = Record<TaskName, Task>;

/** A queue and, where this process runs workers, the workers; stop() waits for running jobs (graphile: up to its shutdown timeout). */
export interface JobRunner extends JobQueue {
  readonly kind: 'graphile' | 'local';
  readonly runsWorkers: boolean;
  stop(): Promise<void>;
}

/** Raised by a task whose failure is worth another attempt (a lost connection): the queue retries it with backoff. */
export class RetryableJobError extends Error {}
