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
import { startRefreshScheduler } from './segments/refresh-scheduler.js';
import { startDirtyEvaluator } from './segments/dirty-evaluator.js';
import { startExportRecovery } from './exports/exports.service.js';
import { DEFAULT_KEY_LIMITS, keyLimitsFromEnv } from './http/key-limiter.js';
import { statementTimeoutFromEnv } from './graphql/request-transaction.js';

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const opened = await openDatabase(databaseOptionsFromEnv()).catch((error: unknown) => {
  // Another API holds the PGlite folder: say so plainly, without a stack, and leave the folder alone.
  if (!(error instanceof DataDirLockedError)) throw error;
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

// Time windows ("in the last 30 days") move without events: recompute memberships periodically.
const refreshMinutes = Number(process.env.REFRESH_INTERVAL_MINUTES ?? 15);
const scheduler = refreshMinutes > 0 ? startRefreshScheduler(db, refreshMinutes * 60_000) : null;
// Writes mark profiles dirty; this evaluates them in batches (small ones on PGlite, whose one
// connection the requests share).
const dirtyEvaluator = startDirtyEvaluator(db, { batchSize: opened.kind === 'pglite' ? 100 : 1000 });
// Export builds that died with an earlier process are restarted; missing export identifiers are filled in.
const exportRecovery = startExportRecovery(db);

// Per-key rate and concurrency (api/http/key-limiter.ts), the same on PGlite and PostgreSQL.
const limits = keyLimitsFromEnv(DEFAULT_KEY_LIMITS);
const app = createApiApp({ db, limits, statementTimeoutMs: statementTimeoutFromEnv() });
const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
  console.log(`Audience Edge API on http://${host}:${info.port}/graphql (${opened.kind}); health: /healthz`);
});
tuneKeepAlive(server);

function shutdown(): void {
  scheduler?.stop();
  exportRecovery.stop();
  server.close(() => {
    void dirtyEvaluator.stop().then(() => opened.close()).then(() => process.exit(0));
  });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
