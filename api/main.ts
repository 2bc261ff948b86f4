/**
 * `npm run start:api` (`npm start` runs it through scripts/dev.ts): opens the database the
 * environment names (DATABASE_URL; none -> PGlite in .data/pglite), applies migrations, seeds the
 * demo workspace when there is no workspace yet (printing its keys once; with DEV_KEYS_FILE also
 * keeping them in that file, see dev-keys.ts), and serves the API on 127.0.0.1:PORT (default 4000).
 */
import 'reflect-metadata';
import { serve } from '@hono/node-server';
import { tuneKeepAlive } from './http/keep-alive.js';
import { databaseOptionsFromEnv, openDatabase } from './db/index.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { workspaces } from '../drizzle/index.js';
import { createApiApp } from './http/app.js';
import { seedDemo, type SeedResult } from './seed/seed.js';
import { ensureDevKeys } from './dev-keys.js';
import { startDirtyEvaluator } from './segments/dirty-evaluator.js';
import { embeddedWorkerFromEnv, jobRunnerOptionsFromEnv, startBackground } from './jobs/background.js';
import { DEFAULT_KEY_LIMITS, keyLimitsFromEnv } from './http/key-limiter.js';
import { statementTimeoutFromEnv } from './graphql/request-transaction.js';
import { readRouterOf } from './db/request-connections.js';
import { instanceAdminConfig } from './admin/instance-token.js';
import { isProduction } from './environment.js';

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const opened = await Promise.resolve()
  .then(() => openDatabase(databaseOptionsFromEnv()))
  .catch((error: unknown) => {
    // Another API holds the PGlite folder, or a DATABASE_* variable is wrong (DATABASE_READ_URL with
    // PGlite): say so plainly, without a stack, and leave the folder alone.
    const setting = error instanceof Error && /^DATABASE_[A-Z_]+ /.test(error.message);
    if (!(error instanceof DataDirLockedError) && !setting) throw error;
    console.error(error.message);
    process.exit(1);
  });
const db = opened.db;

const [existing] = await db.select({ id: workspaces.id }).from(workspaces).limit(1);
let seeded: SeedResult | undefined;
if (!existing) {
  const started = Date.now();
  seeded = await seedDemo(db);
  console.log(`Seeded the demo workspace in ${((Date.now() - started) / 1000).toFixed(1)} s: ${seeded.profiles} profiles, ${seeded.events} events.`);
  console.log('Keys (shown once, store them now):');
  console.log(`  admin: ${seeded.adminKey}`);
  console.log(`  edge:  ${seeded.edgeKey}`);
}
// npm start (scripts/dev.ts) keeps the keys in a git-ignored file to wire the Worker on every start.
if (process.env.DEV_KEYS_FILE) await ensureDevKeys(db, process.env.DEV_KEYS_FILE, seeded);

// Background work (api/jobs/background.ts): export builds, the periodic membership refresh (time
// windows move without events) and the recovery of dead builds, as jobs; this process runs an
// embedded worker unless EMBEDDED_WORKER=off (then `npm run worker` processes run them; PGlite always embeds).
const background = await startBackground(opened, jobRunnerOptionsFromEnv(embeddedWorkerFromEnv()));
// Writes mark profiles dirty; this evaluates them in batches (small ones on PGlite, whose one
// connection the requests share). Safe in every process at once: claims skip what another holds.
// Background work, so it runs where the jobs run: here with the embedded worker (always on PGlite),
// else in the `npm run worker` processes (api/worker.ts).
const dirtyEvaluator = background.jobs.runsWorkers ? startDirtyEvaluator(db, { batchSize: opened.kind === 'pglite' ? 100 : 1000 }) : undefined;

// Per-key rate and concurrency (api/http/key-limiter.ts), the same on PGlite and PostgreSQL.
const limits = keyLimitsFromEnv(DEFAULT_KEY_LIMITS);
// The instance admin token (workspace administration): off when unset; a refused one is reported here and to whoever presents it.
const adminToken = process.env.ADMIN_TOKEN;
const adminProblem = instanceAdminConfig(adminToken, isProduction()).problem;
if (!adminToken) console.log('Workspace administration is off (set ADMIN_TOKEN to create, list, rename and delete workspaces).');
else if (adminProblem) console.error(`Workspace administration is off: ${adminProblem}`);
const app = createApiApp({ db, jobs: background.jobs, limits, statementTimeoutMs: statementTimeoutFromEnv(), adminToken });
const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
  const worker = background.jobs.runsWorkers ? 'embedded worker' : 'no worker';
  // DATABASE_READ_URL (api/db/read-routing.ts): query operations and downloads read there while it is fresh.
  const reads = readRouterOf(db)?.status();
  const replica = reads ? `, read replica ${reads.up ? 'up' : `down (${reads.reason})`}` : '';
  console.log(`Audience Edge API on http://${host}:${info.port}/graphql (${opened.kind}, ${worker}${replica}); health: /healthz`);
});
tuneKeepAlive(server);

function shutdown(): void {
  server.close(() => {
    void Promise.resolve(dirtyEvaluator?.stop())
      .then(() => background.stop())
      .then(() => opened.close())
      .then(() => process.exit(0));
  });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
