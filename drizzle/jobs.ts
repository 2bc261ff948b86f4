import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * The job queue of the single-process runner (PGlite; api/jobs/local-runner.ts). On PostgreSQL
 * graphile-worker keeps its own queue in the `graphile_worker` schema and this table stays empty.
 * The same semantics as graphile-worker: a job key names at most one pending job, a failed job
 * is retried with exponential backoff until `max_attempts`, then kept with its last error.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    task: text('task').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    jobKey: text('job_key'),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(25),
    lastError: text('last_error'),
    lockedAt: timestamptz('locked_at'),
    lockedBy: text('locked_by'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('jobs_job_key_idx').on(t.jobKey), index('jobs_due_idx').on(t.runAt).where(sql`locked_at is null`)],
);

/**
 * One row per period of a periodic task that some process has claimed: the claim (an insert that
 * only one process wins) is what makes a periodic pass run once across any number of processes.
 */
export const jobPeriods = pgTable(
  'job_periods',
  {
    task: text('task').notNull(),
    periodStart: timestamptz('period_start').notNull(),
    claimedAt: timestamptz('claimed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.task, t.periodStart] })],
);
