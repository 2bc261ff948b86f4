/**
 * `npm run worker`: a process that runs only background work (export builds, periodic passes, the
 * dirty profile evaluator that keeps memberships current after writes), no HTTP, on the PostgreSQL database of DATABASE_URL (job queue: graphile-worker, see api/jobs/).
 * Run as many as you like beside the API processes (which run one embedded worker each unless
 * EMBEDDED_WORKER=off). PGlite has no separate workers: one process holds the database.
 */
import 'reflect-metadata';
import { chooseDriver, databaseOptionsFromEnv, openDatabase } from './db/index.js';
import { jobRunnerOptionsFromEnv, startBackground } from './jobs/background.js';
import { startDirtyEvaluator } from './segments/dirty-evaluator.js';

const options = databaseOptionsFromEnv();
if (chooseDriver(options.url, options.driver) === 'pglite') {
  console.error('npm run worker needs PostgreSQL (DATABASE_URL): on PGlite the API runs the jobs itself.');
  process.exit(1);
}
// Jobs write (export builds are insert ... select, passes apply memberships): no read URL here.
const opened = await openDatabase({ ...options, readUrl: undefined, readRouting: undefined });
const background = await startBackground(opened, jobRunnerOptionsFromEnv(true));
// Other processes' writes are found by polling (every 200 ms): their commits cannot wake this one.
const dirtyEvaluator = startDirtyEvaluator(opened.db);
console.log(`Audience Edge worker running (${opened.kind}, pid ${process.pid})`);

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  void dirtyEvaluator
    .stop()
    .then(() => background.stop())
    .then(() => opened.close())
    .then(() => process.exit(0));
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
