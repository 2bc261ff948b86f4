/**
 * `npm run bench:ingest [-- --seconds N]`: ingestion through the real HTTP API on real PostgreSQL
 * (a fresh database on BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped at the end), a workspace with
 * 100 published segments, the API in a child process running the dirty evaluator as main.ts does.
 * Two phases of N seconds (default 15; --long: 60): 4 clients sending upsertProfiles (new profiles)
 * in batches of 1,000, then 4 clients sending trackEvents for those profiles in batches of 1,000.
 * Printed beside their targets and a reference measured in the same run (a bare COPY of the same
 * kind of rows): profiles/s, events/s, and the membership latency p50/p99, the time from a batch's
 * acknowledgement until no profile written up to then is still marked dirty (polled every 20 ms).
 */
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { openDatabase } from '../api/db/index.js';
import { workspaces } from '../drizzle/index.js';
import { createBenchDatabase, benchClient } from './db-database.js';
import { seedGraphqlWorkspace } from './db-http-seed.js';
import { startServer } from './db-http.js';
import { createRandom } from './rules-random.js';
import { eventRow, eventsCopyText, profileRow, profilesCopyText } from './ingest-data.js';

const args = process.argv.slice(2);
const secondsArg = args.indexOf('--seconds');
const SECONDS = secondsArg >= 0 ? Number(args[secondsArg + 1]) : args.includes('--long') ? 60 : 15;
const CLIENTS = 4;
const BATCH = 1000;
const TARGET_PROFILES = 10_000;
const TARGET_EVENTS = 30_000;
const TARGET_P99_MS = 2_000;
const REFERENCE_ROWS = 50_000;
/** --no-evaluator: the writes alone (no dirty evaluator in the API, no membership latency): what the evaluator's share costs. */
const EVALUATOR = !args.includes('--no-evaluator');

if (!process.env.BENCH_DATABASE_URL && process.env.TEST_DATABASE_URL) process.env.BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL;
const database = await createBenchDatabase();
console.log(`ingest bench: database ${database.name}, ${CLIENTS} clients, batches of ${BATCH}, ${SECONDS} s per phase`);

const UPSERT = 'mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated } }';
const TRACK = 'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted duplicates } }';

interface Batch { sentAt: number; ackedAt: number; currentAt?: number }

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

try {
  const opened = await openDatabase({ driver: 'postgres', url: database.url });
  const { adminKey } = await seedGraphqlWorkspace(opened.db, 20261203);
  const [workspace] = await opened.db.select({ id: workspaces.id }).from(workspaces);
  const workspaceId = workspace!.id;
  const [refWorkspace] = await opened.db.insert(workspaces).values({ name: 'COPY reference' }).returning({ id: workspaces.id });
  await opened.close();

  const client = await benchClient(database.url);
  const now = Date.now();

  // The reference: the same kind of rows COPYed straight into the tables (another workspace, no marks).
  const random = createRandom(7);
  const refProfiles = Array.from({ length: REFERENCE_ROWS }, (_, i) => profileRow(random, `ref-${i}`, now));
  let started = performance.now();
  await pipeline(Readable.from([profilesCopyText(refWorkspace!.id, refProfiles)]), client.query(copyFrom('copy profiles (workspace_id, external_id, email, phone, first_name, country, traits, consent_email, consent_sms, consent_ads) from stdin')));
  const copyProfilesPerSecond = REFERENCE_ROWS / ((performance.now() - started) / 1000);
  const { rows: refIds } = await client.query<{ id: string; external_id: string }>('select id, external_id from profiles where workspace_id = $1', [refWorkspace!.id]);
  const refById = new Map(refIds.map((r) => [r.external_id, r.id]));
  const refEvents = Array.from({ length: REFERENCE_ROWS }, (_, i) => eventRow(random, `ref-e${i}`, `ref-${random.int(0, REFERENCE_ROWS - 1)}`, now));
  started = performance.now();
  await pipeline(Readable.from([eventsCopyText(refWorkspace!.id, refEvents, refById)]), client.query(copyFrom('copy events (workspace_id, event_id, profile_id, name, properties, occurred_at) from stdin')));
  const copyEventsPerSecond = REFERENCE_ROWS / ((performance.now() - started) / 1000);
  await client.query('analyze');

  // The evaluator's loops (BENCH_DIRTY_CONCURRENCY, default 1 as in main.ts) and batch size (BENCH_DIRTY_BATCH) pass through.
  // --cpu-prof <dir>: the API process writes a V8 CPU profile there when it stops.
  const profArg = args.indexOf('--cpu-prof');
  const nodeArgs = profArg >= 0 ? ['--cpu-prof', '--cpu-prof-dir', args[profArg + 1] ?? 'profiles'] : [];
  const server = await startServer('api', { DATABASE_URL: database.url, BENCH_DIRTY_EVALUATOR: EVALUATOR ? '1' : '0' }, nodeArgs);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` };
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const json = (await response.json()) as { errors?: unknown };
    if (response.status !== 200 || json.errors) throw new Error(`${response.status}: ${JSON.stringify(json).slice(0, 400)}`);
  };

  /** Resolves batches as current while `watching`: no mark left with `since` at or before their acknowledgement. */
  const pending: Batch[] = [];
  let watching = true;
  let backlogPeak = 0;
  const watcher = (async () => {
    while (watching || pending.length > 0) {
      const { rows } = await client.query<{ oldest: number | null; n: number }>(
        'select (extract(epoch from min(since)) * 1000)::float8 as oldest, count(*)::int as n from dirty_profiles where workspace_id = $1',
        [workspaceId],
      );
      const at = Date.now();
      const oldest = rows[0]!.oldest;
      backlogPeak = Math.max(backlogPeak, rows[0]!.n);
      for (let i = pending.length - 1; i >= 0; i--) {
        const batch = pending[i]!;
        if (oldest === null || oldest > batch.ackedAt) {
          batch.currentAt = at;
          pending.splice(i, 1);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  async function phase(name: string, send: (clientIndex: number, batchIndex: number) => Promise<void>): Promise<{ batches: Batch[]; seconds: number; drainMs: number }> {
    const batches: Batch[] = [];
    const start = performance.now();
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let b = 0; Date.now() < deadline; b++) {
          const sentAt = Date.now();
          await send(c, b);
          const batch: Batch = { sentAt, ackedAt: Date.now() };
          batches.push(batch);
          if (EVALUATOR) pending.push(batch);
          else batch.currentAt = batch.ackedAt;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const lastAck = Date.now();
    while (batches.some((b) => b.currentAt === undefined)) await new Promise((r) => setTimeout(r, 20));
    console.log(`  ${name}: ${batches.length} batches in ${seconds.toFixed(1)} s; memberships current ${Date.now() - lastAck} ms after the last acknowledgement`);
    return { batches, seconds, drainMs: Date.now() - lastAck };
  }

  const profileRandom = createRandom(11);
  const written: string[] = [];
  const upserts = await phase('upsertProfiles', async (c, b) => {
    const rows = Array.from({ length: BATCH }, (_, i) => profileRow(profileRandom, `c${c}-b${b}-${i}`, now));
    await post(UPSERT, { inputs: rows });
    for (const row of rows) written.push(row.externalId);
  });
  const eventRandom = createRandom(13);
  const tracks = await phase('trackEvents', async (c, b) => {
    const rows = Array.from({ length: BATCH }, (_, i) => eventRow(eventRandom, `c${c}-b${b}-e${i}`, written[eventRandom.int(0, written.length - 1)]!, now));
    await post(TRACK, { events: rows });
  });
  watching = false;
  await watcher;
  const { rows: memberRows } = await client.query<{ n: number }>('select count(*)::int as n from segment_members where workspace_id = $1', [workspaceId]);
  await server.stop();
  await client.end();

  const latencies = (batches: Batch[]) => batches.map((b) => b.currentAt! - b.ackedAt).sort((x, y) => x - y);
  const report = (label: string, result: { batches: Batch[]; seconds: number }, target: number, reference: number) => {
    const rate = (result.batches.length * BATCH) / result.seconds;
    const lat = latencies(result.batches);
    const requestMs = result.batches.map((b) => b.ackedAt - b.sentAt).sort((x, y) => x - y);
    console.log(`  ${label.padEnd(16)} ${fmt(rate).padStart(8)} rows/s   target >= ${fmt(target)} (${((rate / target) * 100).toFixed(0)}%)   COPY reference ${fmt(reference)} rows/s (${((rate / reference) * 100).toFixed(1)}%)`);
    console.log(`  ${''.padEnd(16)} request p50 ${percentile(requestMs, 50)} ms, p99 ${percentile(requestMs, 99)} ms; membership latency p50 ${percentile(lat, 50)} ms, p99 ${percentile(lat, 99)} ms (target p99 <= ${fmt(TARGET_P99_MS)} ms)`);
  };
  console.log('\nresults (this machine, same run):');
  report('upsertProfiles', upserts, TARGET_PROFILES, copyProfilesPerSecond);
  report('trackEvents', tracks, TARGET_EVENTS, copyEventsPerSecond);
  console.log(`  dirty backlog peak ${fmt(backlogPeak)} profiles; ${fmt(memberRows[0]!.n)} memberships at the end`);
} finally {
  await database.drop();
}
