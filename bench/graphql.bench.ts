/**
 * `npm run bench:graphql`: the GraphQL throughput part of the DB bench on its own, without the
 * profile load. `{ segments(first: 50) { edges { node { id slug name status } } } }` with an admin
 * key against a bare Apollo hello world behind the same Hono adapter, each server in its own child
 * process, autocannon on loopback; the two alternate for --runs rounds so that both see the same
 * machine load. The workspace has the bench traits and 101 segments (db-http-seed.ts). On PGlite,
 * the same listing is then sent by 20 concurrent clients for the latency target (p99 < 500 ms).
 *
 * Options: --driver=postgres|pglite|both (default both; postgres: a fresh `ae_bench_<timestamp>`
 * through BENCH_DATABASE_URL, dropped at the end; pglite: the API child seeds an in-memory PGlite),
 * --seconds=N per run (default 10), --connections=N (default 10), --runs=N (default 3), --seed=N,
 * --cpu-prof=DIR (profile the API child with node --cpu-prof into DIR).
 */
import 'reflect-metadata';
import { openDatabase } from '../api/db/index.js';
import { createBenchDatabase, type BenchDatabase } from './db-database.js';
import { measure, startServer, type Throughput } from './db-http.js';
import { seedGraphqlWorkspace } from './db-http-seed.js';
import { fmt, formatTable, median, verdict } from './rules-measure.js';

const argument = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const option = (name: string, fallback: number): number => {
  const raw = argument(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const SECONDS = option('seconds', 10);
const CONNECTIONS = option('connections', 10);
const RUNS = option('runs', 3);
const SEED = option('seed', 20261124);
const DRIVER = argument('driver') ?? 'both';
if (!['postgres', 'pglite', 'both'].includes(DRIVER)) throw new Error('--driver must be postgres, pglite or both');
const PROFILE_DIR = argument('cpu-prof');
const SEGMENTS_QUERY = '{ segments(first: 50) { edges { node { id slug name status } } } }';
const HELLO_QUERY = '{ hello }';
/** The issue's targets: the listing at >= 40% of the hello world; on PGlite, p99 < 500 ms with 20 clients. */
const TARGET_RATIO = 0.4;
const PGLITE_CLIENTS = 20;
const PGLITE_P99_MS = 500;

const line = (label: string, r: Throughput) =>
  console.log(`  ${label}: ${fmt(r.rps, 0)} req/s, p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms, ${r.total.toLocaleString('en-US')} requests, ${r.failures} failures`);

async function run(mode: 'api' | 'hello', query: string, env: NodeJS.ProcessEnv, key?: string, connections = CONNECTIONS): Promise<Throughput> {
  const nodeArgs = mode === 'api' && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const served = await startServer(mode, { ...env, BENCH_SEED: String(SEED) }, nodeArgs);
  try {
    const secret = key ?? served.key;
    return await measure(served.url, query, secret ? { authorization: `Bearer ${secret}` } : {}, connections, SECONDS);
  } finally {
    await served.stop();
  }
}

async function compare(driver: 'postgres' | 'pglite'): Promise<string[][]> {
  let bench: BenchDatabase | undefined;
  let key: string | undefined;
  const env: NodeJS.ProcessEnv = { DATABASE_DRIVER: driver };
  if (driver === 'postgres') {
    bench = await createBenchDatabase();
    const opened = await openDatabase({ driver: 'postgres', url: bench.url });
    try {
      key = (await seedGraphqlWorkspace(opened.db, SEED)).adminKey;
    } finally {
      await opened.close();
    }
    env.DATABASE_URL = bench.url;
  }
  console.log(`\n${driver}${bench ? ` (database ${bench.name})` : ' (in-memory, seeded by the API process)'}: ${RUNS} rounds, ${CONNECTIONS} connections, ${SECONDS} s each`);
  const hello: number[] = [];
  const api: number[] = [];
  let failures = 0;
  let crowd: Throughput | undefined;
  try {
    for (let i = 0; i < RUNS; i++) {
      const h = await run('hello', HELLO_QUERY, env);
      line(`round ${i + 1} bare Apollo { hello }  `, h);
      const a = await run('api', SEGMENTS_QUERY, env, key);
      line(`round ${i + 1} API segments(first: 50)`, a);
      hello.push(h.rps);
      api.push(a.rps);
      failures += h.failures + a.failures;
    }
    if (driver === 'pglite') {
      crowd = await run('api', SEGMENTS_QUERY, env, key, PGLITE_CLIENTS);
      line(`${PGLITE_CLIENTS} clients, API segments(first: 50)`, crowd);
    }
  } finally {
    await bench?.drop().catch((error: Error) => console.error(`could not drop ${bench?.name}: ${error.message}`));
  }
  const ratios = api.map((a, i) => a / hello[i]!);
  const range = (values: number[], digits = 0) => `${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}`;
  const ratio = median(ratios);
  const rows = [
    [`${driver}: bare Apollo hello world`, `${range(hello)} req/s`, '-', ''],
    [`${driver}: API segments(first: 50) { id slug name status }`, `${range(api)} req/s`, '-', ''],
    [`${driver}: API / hello world, median (range) of rounds`, `${fmt(ratio * 100, 0)} % (${range(ratios.map((r) => r * 100))} %)`, `>= ${TARGET_RATIO * 100} %`, verdict(ratio >= TARGET_RATIO && failures === 0)],
  ];
  if (crowd) {
    rows.push([
      `${driver}: API segments(first: 50), ${PGLITE_CLIENTS} clients: p99 (p50, req/s)`,
      `${crowd.latencyP99} ms (${crowd.latencyP50} ms, ${fmt(crowd.rps, 0)} req/s)`,
      `< ${PGLITE_P99_MS} ms`,
      verdict(crowd.latencyP99 < PGLITE_P99_MS && crowd.failures === 0),
    ]);
  }
  return rows;
}

console.log(`graphql bench: Node ${process.version}, seed ${SEED}${PROFILE_DIR ? `, CPU profiles of the API child in ${PROFILE_DIR}` : ''}`);
const rows: string[][] = [];
for (const driver of DRIVER === 'both' ? (['postgres', 'pglite'] as const) : [DRIVER as 'postgres' | 'pglite']) rows.push(...(await compare(driver)));
console.log(`\nResults:\n`);
console.log(formatTable(['figure', 'value', 'target', 'met'], rows));
