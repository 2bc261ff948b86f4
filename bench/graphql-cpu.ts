/**
 * `npx tsx bench/graphql-cpu.ts`: CPU time per request of the GraphQL throughput comparison, in one
 * process and without HTTP (Hono's `app.fetch` with a Request), so that the figure depends far less
 * on the machine's load than req/s does: the API's `segments(first: 50)` (PostgreSQL, the workspace
 * of db-http-seed.ts) against the bare Apollo hello world behind the same Hono adapter, alternating
 * rounds of `--requests` requests, `--concurrency` at a time. Node CPU only (PostgreSQL's own work
 * on the listing is in the server process, not here). `--cpu-prof=FILE`: a CPU profile of the API
 * rounds after the warm-up (node:inspector).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { openDatabase } from '../api/db/index.js';
import { createApiApp } from '../api/http/app.js';
import type { Hono } from 'hono';
import type { ApiEnv } from '../api/http/env.js';
import { startLocalJobRunner } from '../api/jobs/local-runner.js';
import { TASKS } from '../api/jobs/tasks.js';
import { createBenchDatabase } from './db-database.js';
import { seedGraphqlWorkspace } from './db-http-seed.js';
import { BENCH_LIMITS, helloApp } from './hello-app.js';
import { fmt, formatTable, median } from './rules-measure.js';
import { loadavg } from 'node:os';

const argument = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const REQUESTS = Number(argument('requests') ?? 2000);
const CONCURRENCY = Number(argument('concurrency') ?? 10);
const ROUNDS = Number(argument('rounds') ?? 5);
const PROFILE = argument('cpu-prof');


/** CPU µs per request of `count` requests, `concurrency` at a time. */
async function round(app: Hono<ApiEnv>, body: string, headers: Record<string, string>, count: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const response = await app.fetch(new Request('http://127.0.0.1/graphql', { method: 'POST', headers, body }));
      const text = await response.text();
      if (response.status !== 200 || text.includes('"errors"')) throw new Error(`answered ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

const bench = await createBenchDatabase();
try {
  const opened = await openDatabase({ driver: 'postgres', url: bench.url });
  const { adminKey } = await seedGraphqlWorkspace(opened.db, 20261124);
  const api = createApiApp({ db: opened.db, jobs: await startLocalJobRunner(opened.db, TASKS, { runWorkers: false }), limits: BENCH_LIMITS });
  const hello = await helloApp();
  const apiHeaders = { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` };
  const apiBody = JSON.stringify({ query: '{ segments(first: 50) { edges { node { id slug name status } } } }' });
  const helloBody = JSON.stringify({ query: '{ hello }' });
  const helloHeaders = { 'content-type': 'application/json' };
  await round(api, apiBody, apiHeaders, REQUESTS);
  await round(hello, helloBody, helloHeaders, REQUESTS);
  const session = PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const apiUs: number[] = [];
  const helloUs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    helloUs.push(await round(hello, helloBody, helloHeaders, REQUESTS));
    apiUs.push(await round(api, apiBody, apiHeaders, REQUESTS));
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(PROFILE!, JSON.stringify(profile));
  }
  const ratio = median(helloUs) / median(apiUs);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${ROUNDS} rounds of ${REQUESTS} requests, ${CONCURRENCY} at a time`);
  console.log(
    formatTable(
      ['in process (no HTTP)', 'CPU µs/request, median', 'range'],
      [
        ['bare Apollo hello world', fmt(median(helloUs), 0), `${fmt(Math.min(...helloUs), 0)}-${fmt(Math.max(...helloUs), 0)}`],
        ['API segments(first: 50)', fmt(median(apiUs), 0), `${fmt(Math.min(...apiUs), 0)}-${fmt(Math.max(...apiUs), 0)}`],
        ['hello / API (the req/s ratio if CPU-bound)', `${fmt(ratio * 100, 0)} %`, ''],
      ],
    ),
  );
  await opened.close();
} finally {
  await bench.drop();
}
