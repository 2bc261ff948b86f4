/**
 * Everything a process runs besides HTTP, started the same way by the API (api/main.ts, with an
 * embedded worker unless EMBEDDED_WORKER=off) and by `npm run worker` (api/worker.ts): the job
 * runner (graphile-worker on PostgreSQL, the local runner on PGlite), the periodic passes and the
 * export recovery sweep. The claims of the last two are conditional writes, so every process can
 * run them: the work itself happens once, in a job.
 */
import type { OpenedDatabase } from '../db/index.js';
import { startExportRecovery } from '../exports/exports.service.js';
import { startGraphileRunner } from './graphile-runner.js';
import type { JobRunner } from './jobs.js';
import { startLocalJobRunner } from './local-runner.js';
import { startPeriodicTasks } from './periodic.js';
import { periodicTasks, TASKS } from './tasks.js';

/** On PGlite a long job works in slices of about this many ms (TaskContext.sliceMs). */
export const PGLITE_SLICE_MS = 50;

export interface JobRunnerOptions {
  /** Run workers in this process (PGlite: always). */
  runWorkers: boolean;
  /** graphile-worker's node-postgres URL (WORKER_DATABASE_URL, else DATABASE_URL); not used on PGlite. */
  connectionString?: string;
  /** Jobs at once per process on PostgreSQL (WORKER_CONCURRENCY, default 2). */
  concurrency?: number;
}

export async function startJobRunner(opened: OpenedDatabase, options: JobRunnerOptions): Promise<JobRunner> {
  // Only one process may open a PGlite folder: it runs its jobs itself.
  if (opened.kind === 'pglite') return startLocalJobRunner(opened.db, TASKS, { runWorkers: true, sliceMs: PGLITE_SLICE_MS });
  if (!options.connectionString) throw new Error('The job queue on PostgreSQL needs WORKER_DATABASE_URL or DATABASE_URL (a node-postgres URL)');
  return startGraphileRunner(opened.db, TASKS, { connectionString: options.connectionString, runWorkers: options.runWorkers, concurrency: options.concurrency });
}

/** EMBEDDED_WORKER: unset or `on` runs the API's embedded worker, `off` does not. */
export function embeddedWorkerFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.EMBEDDED_WORKER ?? 'on';
  if (value === 'on' || value === '') return true;
  if (value === 'off') return false;
  throw new Error(`EMBEDDED_WORKER must be 'on' or 'off', not '${value}'`);
}

/** Reads the options from the environment (WORKER_DATABASE_URL / DATABASE_URL, WORKER_CONCURRENCY). */
export function jobRunnerOptionsFromEnv(runWorkers: boolean, env: NodeJS.ProcessEnv = process.env): JobRunnerOptions {
  const concurrency = Number(env.WORKER_CONCURRENCY ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`WORKER_CONCURRENCY must be a whole number >= 1, not '${env.WORKER_CONCURRENCY}'`);
  return { runWorkers, connectionString: env.WORKER_DATABASE_URL || env.DATABASE_URL || undefined, concurrency };
}

export interface Background {
  jobs: JobRunner;
  /** Stops the timers, then the runner (running jobs finish first). */
  stop(): Promise<void>;
}

export async function startBackground(opened: OpenedDatabase, options: JobRunnerOptions, env: NodeJS.ProcessEnv = process.env): Promise<Background> {
  const periodic = periodicTasks(env);
  const jobs = await startJobRunner(opened, options);
  const passes = startPeriodicTasks(opened.db, jobs, periodic);
  // Export builds that died with their process are requeued; missing export identifiers are filled in.
  const recovery = startExportRecovery(opened.db, jobs);
  // The dirty-profile evaluator runs beside this, in the processes that run workers (main.ts, worker.ts).
  return {
    jobs,
    async stop() {
      passes.stop();
      recovery.stop();
      await jobs.stop();
    },
  };
}
