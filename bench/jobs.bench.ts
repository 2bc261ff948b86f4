/**
 * `npm run bench:jobs`: on PGlite (in memory, one process, as `npm start` runs it), how long
 * requests wait while an export of many members builds in the background job runner. Requests
 * (`{ workspace { name } }` over GraphQL, 2 clients back to back, and `/healthz`, which touches no
 * database, every 20 ms) are timed first with nothing running (the reference), then during a
 * GENERIC CSV build with the build sliced to ~50 ms (what the API does on PGlite), then during
 * the same build in 20,000-row chunks (the build as it was before, for comparison).
 * Target: no request waits more than 100 ms behind the build.
 * Options: --members=N (default 100,000).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { createAudienceExport, getAudienceExport } from '../api/exports/exports.service.js';
import { backfillExportIdentifiers } from '../api/exports/identifiers.js';
import { createApiApp } from '../api/http/app.js';
import { NO_KEY_LIMITS } from '../api/http/key-limiter.js';
import { startLocalJobRunner } from '../api/jobs/local-runner.js';
import { PGLITE_SLICE_MS } from '../api/jobs/background.js';
import { TASKS } from '../api/jobs/tasks.js';
import { loadavg } from 'node:os';
import { fmt, formatTable, verdict } from './rules-measure.js';

/**
 * The longest single call into PGlite (one protocol exchange: a statement, or a COMMIT) per phase, in
 * wall time and in this thread's CPU time: requests wait behind exactly that, and its CPU time does
 * not grow with the machine's load as the latencies do. Measured by wrapping PGlite's synchronous
 * entry point (a bench-only instrument).
 */
const longest = { wallMs: 0, cpuMs: 0, statement: '' };
let lastParse = '';
const pgliteProto = PGlite.prototype as unknown as { execProtocolRawSync(message: Uint8Array): Uint8Array };
const execRaw = pgliteProto.execProtocolRawSync;
pgliteProto.execProtocolRawSync = function (this: unknown, message: Uint8Array) {
  const readable = () => Buffer.from(message).toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 90);
  if (message[0] === 0x50) lastParse = readable(); // Parse: the statement's text
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = execRaw.call(this, message);
  const cpuMs = (process.cpuUsage().user - cpu.user) / 1000;
  const wallMs = performance.now() - wall;
  if (cpuMs > longest.cpuMs) Object.assign(longest, { cpuMs, wallMs, statement: message[0] === 0x50 ? lastParse : message[0] === 0x51 ? readable() : lastParse });
  return result;
};

const members = Number(/--members=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 100_000);
const TARGET_WAIT_MS = 100;

const opened = await openDatabase({ driver: 'pglite', dataDir: 'memory://' });
const db = opened.db;
const { workspace, adminKey } = await createWorkspace(db, 'Jobs bench');
let started = performance.now();
await db.execute(sql`
  insert into profiles (workspace_id, external_id, email, phone, first_name, last_name, country, consent_ads)
  select ${workspace.id}, 'B-' || n, 'b' || n || '@example.com', '+1202555' || lpad((n % 10000)::text, 4, '0'), 'First' || n, 'Last' || n, 'US', true
  from generate_series(1, ${members}) n`);
await backfillExportIdentifiers(db);
const segmentId = (await new SegmentService(db, workspace.id).create({ slug: 'everyone', name: 'Everyone', type: 'static' })).id;
await db.execute(sql`insert into segment_members (segment_id, profile_id, workspace_id) select ${segmentId}, id, workspace_id from profiles`);
console.log(`${members.toLocaleString('en-US')} members with export identifiers on in-memory PGlite in ${fmt((performance.now() - started) / 1000, 1)} s`);

interface Samples {
  graphql: number[];
  healthz: number[];
  /** Requests that failed (a connection reset while a long statement held the event loop): timed, and counted here. */
  failed: number;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/** Runs the clients until `until` settles; returns every request's latency in ms. */
async function measure(url: string, until: Promise<unknown>): Promise<Samples> {
  let done = false;
  void until.finally(() => (done = true));
  const samples: Samples = { graphql: [], healthz: [], failed: 0 };
  const graphqlClient = async () => {
    while (!done) {
      const t = performance.now();
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query: '{ workspace { name } }' }),
      }).catch(() => null);
      if (response && !response.ok) throw new Error(`graphql answered ${response.status}: ${await response.text()}`);
      if (response) await response.arrayBuffer();
      else samples.failed++;
      samples.graphql.push(performance.now() - t);
    }
  };
  const healthClient = async () => {
    while (!done) {
      const t = performance.now();
      const response = await fetch(`${url}/healthz`).catch(() => null);
      if (response) await response.arrayBuffer();
      else samples.failed++;
      samples.healthz.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await Promise.all([graphqlClient(), graphqlClient(), healthClient()]);
  return samples;
}

const rows: string[][] = [];
const row = (what: string, s: Samples, extra: string) => {
  rows.push([what, ...[s.graphql, s.healthz].flatMap((v) => [fmt(quantile(v, 0.5), 1), fmt(quantile(v, 0.99), 1), fmt(Math.max(...v), 1)]), String(s.graphql.length), String(s.failed), extra, `${fmt(longest.cpuMs, 0)} ms (${fmt(longest.wallMs, 0)} ms wall): ${longest.statement.slice(0, 60)}`, loadavg()[0]!.toFixed(1)]);
  console.log(`${what}: ${rows.at(-1)!.slice(1).join(' | ')}`);
};
let slicedMax = NaN;
for (const [name, sliceMs] of [['reference: nothing running', null], [`export build, sliced to ${PGLITE_SLICE_MS} ms (the API on PGlite)`, PGLITE_SLICE_MS], ['export build, 20,000-row chunks (before)', undefined]] as const) {
  const jobs = await startLocalJobRunner(db, TASKS, { pollMs: 50, sliceMs: sliceMs ?? undefined });
  const app = createApiApp({ db, jobs, limits: NO_KEY_LIMITS });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await measure(url, new Promise((resolve) => setTimeout(resolve, 300))); // warm up
  Object.assign(longest, { wallMs: 0, cpuMs: 0, statement: '' });
  if (sliceMs === null) {
    row(name, await measure(url, new Promise((resolve) => setTimeout(resolve, 3000))), '');
  } else {
    started = performance.now();
    const created = await createAudienceExport(db, jobs, workspace.id, { segmentId, destination: 'GENERIC', format: 'CSV', mode: 'FULL' });
    const build = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await jobs.settle();
    })();
    const samples = await measure(url, build);
    const seconds = (performance.now() - started) / 1000;
    const job = await getAudienceExport(db, workspace.id, created.id);
    if (job.status !== 'done') throw new Error(`export ${job.status}: ${job.error}`);
    row(name, samples, `${fmt(seconds, 1)} s, ${fmt(job.rowCount / seconds, 0)} rows/s`);
    if (sliceMs !== undefined) slicedMax = Math.max(...samples.graphql, ...samples.healthz);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await jobs.stop();
}

console.log(
  formatTable(
    ['', 'graphql p50 ms', 'p99', 'max', 'healthz p50 ms', 'p99', 'max', 'graphql requests', 'failed', 'build', 'longest PGlite call, CPU', 'load (1 min)'],
    rows,
  ),
);
console.log(`longest request during the sliced build: ${fmt(slicedMax, 0)} ms (target: <= ${TARGET_WAIT_MS} ms waiting behind the build): ${verdict(slicedMax <= TARGET_WAIT_MS)}`);
await opened.close();
