/**
 * The job runner on PostgreSQL: graphile-worker (its own `graphile_worker` schema, migrated at
 * start; LISTEN/NOTIFY and SKIP LOCKED, so any number of processes share one queue and each job
 * runs once). It talks node-postgres to `connectionString` (WORKER_DATABASE_URL, else
 * DATABASE_URL; with Neon use the direct, non-pooled endpoint: LISTEN needs a session).
 * A process with workers off (the API with EMBEDDED_WORKER=off) only adds jobs.
 */
import { Logger, makeWorkerUtils, run, type Runner, type Task as GraphileTask } from 'graphile-worker';
import type { Database } from '../db/index.js';
import type { AddJobOptions, JobRunner, TaskList, TaskName } from './jobs.js';

export interface GraphileRunnerOptions {
  connectionString: string;
  runWorkers: boolean;
  /** Jobs run at once by this process (default 2). */
  concurrency?: number;
}

/** graphile-worker's own messages: warnings and errors only, prefixed, to stderr. */
const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`[jobs] ${message}`);
});

export async function startGraphileRunner(db: Database, tasks: TaskList, options: GraphileRunnerOptions): Promise<JobRunner> {
  const utils = await makeWorkerUtils({ connectionString: options.connectionString, logger, maxPoolSize: 2 });
  try {
    await utils.migrate();
  } catch (error) {
    await utils.release();
    throw error;
  }
  const addJob = async (task: TaskName, payload: Record<string, unknown>, opts: AddJobOptions = {}): Promise<void> => {
    await utils.addJob(task, payload, { jobKey: opts.jobKey, jobKeyMode: 'replace', runAt: opts.runAt, maxAttempts: opts.maxAttempts, queueName: opts.queue });
  };
  const queue = { addJob };
  let runner: Runner | null = null;
  if (options.runWorkers) {
    const taskList: Record<string, GraphileTask> = {};
    for (const [name, task] of Object.entries(tasks)) {
      taskList[name] = (payload, helpers) =>
        task((payload ?? {}) as Record<string, unknown>, { db, jobs: queue, attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts });
    }
    const concurrency = options.concurrency ?? 2;
    runner = await run({
      connectionString: options.connectionString,
      concurrency,
      maxPoolSize: concurrency + 2,
      taskList,
      parsedCronItems: [],
      noHandleSignals: true,
      logger,
      pollInterval: 1000,
    });
  }
  return {
    kind: 'graphile',
    runsWorkers: runner !== null,
    addJob,
    async stop() {
      // Graceful: running jobs finish (or are released after graphile's abort timeout), then the pools close.
      await runner?.stop();
      await utils.release();
    },
  };
}
