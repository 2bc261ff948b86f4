/**
 * A server process of the GraphQL throughput comparison, served by @hono/node-server on 127.0.0.1
 * (a free port, printed as `listening <port>` on stdout):
 * - `api`: the project's API (`createApiApp`) on the database of DATABASE_URL (migrations applied);
 *   with DATABASE_DRIVER=pglite instead, on an in-memory PGlite that it migrates and seeds itself
 *   (db-http-seed.ts, BENCH_SEED), printing the admin key as `key <secret>` before `listening`;
 * - `hello`: a bare @apollo/server with `type Query { hello: String }` behind the same Hono adapter.
 * With BENCH_DIRTY_EVALUATOR=1 the `api` runs the dirty evaluator as main.ts does (ingest.bench.ts).
 * Run by db-http.ts as `node --import tsx bench/db-http-server.ts api|hello`.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { openDatabase } from '../api/db/index.js';
import { createApiApp } from '../api/http/app.js';
import type { Hono } from 'hono';
import type { ApiEnv } from '../api/http/env.js';
import { seedGraphqlWorkspace } from './db-http-seed.js';
import { BENCH_LIMITS, helloApp } from './hello-app.js';
import { startDirtyEvaluator } from '../api/segments/dirty-evaluator.js';
import { startLocalJobRunner } from '../api/jobs/local-runner.js';
import { TASKS } from '../api/jobs/tasks.js';

const mode = process.argv[2];



async function apiApp(): Promise<Hono<ApiEnv>> {
  if (process.env.DATABASE_DRIVER === 'pglite') {
    const { db } = await openDatabase({ driver: 'pglite', dataDir: 'memory://' });
    const { adminKey } = await seedGraphqlWorkspace(db, Number(process.env.BENCH_SEED ?? 20261124));
    console.log(`key ${adminKey}`);
    return createApiApp({ db, jobs: await startLocalJobRunner(db, TASKS), limits: BENCH_LIMITS });
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  // The bench process applied the migrations when it created the database.
  const { db } = await openDatabase({ driver: 'postgres', url, migrate: false, poolMax: Number(process.env.BENCH_POOL_MAX) || undefined });
  if (process.env.BENCH_DIRTY_EVALUATOR === '1') startDirtyEvaluator(db, { batchSize: Number(process.env.BENCH_DIRTY_BATCH) || undefined, concurrency: Number(process.env.BENCH_DIRTY_CONCURRENCY) || undefined });
  // The bench's operations add no jobs: a queue without workers.
  return createApiApp({ db, jobs: await startLocalJobRunner(db, TASKS, { runWorkers: false }), limits: BENCH_LIMITS });
}

const app = mode === 'api' ? await apiApp() : mode === 'hello' ? await helloApp() : null;
if (!app) throw new Error('usage: db-http-server.ts api|hello');
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  console.log(`listening ${info.port}`);
});
// process.exit: --cpu-prof writes its profile on a normal exit, not on a signal.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
