/**
 * `npm run soak [-- scenario ...] [--seconds-scale=0.1]`: the fault attacks of issue 9 at full size
 * against a real API process (`tsx api/main.ts`) on a fresh database of the local PostgreSQL
 * (SOAK_DATABASE_URL, default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres), and
 * kill -9 / restart cycles of the API on a fresh PGlite folder and on a fresh PostgreSQL database.
 * Prints per scenario: requests, acknowledged writes, lost writes (must be 0), errors by code,
 * p50/p99 latency, and whether the server process is still alive (or every restart succeeded).
 *
 * A scenario is one entry of SCENARIOS; add one there to add an attack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerDatabase } from '../test/helpers/db.js';
import { gqlClient, lostWrites, percentile, runConcurrentWriters, runMixedLoad, startTerminator, type LoadFigures } from '../test/helpers/faults.js';
import { runKillCycles, type KillCycleReport, type KillTarget } from '../test/helpers/kill-cycles.js';

export interface SoakContext {
  /** The API's base URL, its admin key and the database it runs on. */
  url: string;
  adminKey: string;
  databaseUrl: string;
  database: string;
  /** A URL of another database on the same server, for the terminator's connection. */
  adminUrl: string;
  /** Multiplies every duration (0.1 for a quick run). */
  scale: number;
  /** True while the API process runs. */
  alive(): boolean;
}

export interface ScenarioFigures {
  /** Request figures of a load (none for the kill cycles, whose writers stop at each kill). */
  figures?: LoadFigures;
  lost: number;
  notes: string[];
  /** False if a scenario's own processes failed (a restart that did not start, something left behind). */
  ok?: boolean;
}

interface Scenario {
  /** True: runs against the shared API process; false: starts its own processes (ctx gives only `scale`). */
  sharedApi: boolean;
  run(ctx: SoakContext): Promise<ScenarioFigures>;
}

/** 100 kill -9 cycles at full size (at least 2), 4 writers each, on a target made fresh for the scenario. */
async function killCycles(target: KillTarget, scale: number): Promise<ScenarioFigures> {
  const cycles = Math.max(2, Math.round(100 * scale));
  const started = Date.now();
  let report: KillCycleReport;
  try {
    report = await runKillCycles({ target, cycles, writers: 4 });
  } catch (error) {
    // A start that failed (or a live API answering wrongly) ends the scenario: the worst outcome.
    return { lost: 0, ok: false, notes: [`FAILED: ${error instanceof Error ? error.message.slice(0, 2000) : String(error)}`] };
  }
  const sorted = [...report.startMs].sort((a, b) => a - b);
  return {
    lost: report.lost.length,
    ok: report.cycles === cycles && report.leftovers.length === 0,
    notes: [
      `cycles: ${report.cycles} of ${cycles} in ${((Date.now() - started) / 1000).toFixed(0)} s, every start succeeded`,
      `acknowledged before the kills: ${report.acknowledged.profiles} profiles, ${report.acknowledged.events} events`,
      `start to listening: median ${percentile(sorted, 50).toFixed(0)} ms, max ${sorted.at(-1)} ms`,
      ...(target.kind === 'pglite' ? [] : [`left by killed processes (backends, advisory locks, prepared transactions): ${report.leftovers.length ? report.leftovers.join('; ') : 'nothing'}`]),
      ...report.lost.slice(0, 20).map((l) => `lost: ${l}`),
    ],
  };
}

const SCENARIOS: Record<string, Scenario> = {
  /** 10 clients (previews, trackEvents, upserts) while every backend is terminated every 0.5 s for 60 s. */
  termination: {
    sharedApi: true,
    async run(ctx) {
      const terminator = await startTerminator(ctx.adminUrl, ctx.database, 500);
      const figures = await runMixedLoad(gqlClient(ctx.url, ctx.adminKey), { clients: 10, durationMs: 60_000 * ctx.scale, tag: 'soak-term' });
      const killed = await terminator.stop();
      const lost = await lostWrites(ctx.databaseUrl, figures);
      return { figures, lost: lost.events + lost.profiles, notes: [`backends terminated: ${killed}`, `acknowledged: ${figures.ackedEvents.length} events, ${figures.ackedProfiles.size} profiles`] };
    },
  },
  /** 16 writers of trackEvents and upsertProfiles batches over the same 40 profiles for 15 s. */
  writers: {
    sharedApi: true,
    async run(ctx) {
      const figures = await runConcurrentWriters(gqlClient(ctx.url, ctx.adminKey), { clients: 16, durationMs: 15_000 * ctx.scale, profiles: 40, tag: 'soak-writers' });
      return { figures, lost: 0, notes: [`events accepted: ${figures.acceptedEvents}`] };
    },
  },
  /** kill -9 of the API on a PGlite folder mid-write, 100 times, each followed by a restart. */
  'kill-pglite': {
    sharedApi: false,
    async run(ctx) {
      const parent = mkdtempSync(join(tmpdir(), 'ae-soak-kill-'));
      try {
        return await killCycles({ kind: 'pglite', dataDir: join(parent, 'pglite') }, ctx.scale);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
  },
  /** The same on a fresh PostgreSQL database; also nothing of a killed process may be left on the server. */
  'kill-postgres': {
    sharedApi: false,
    async run(ctx) {
      const server = await createServerDatabase();
      try {
        return await killCycles({ kind: 'postgres', url: server.url }, ctx.scale);
      } finally {
        await server.drop();
      }
    },
  },
};

let stderrTail = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `tsx api/main.ts` on `databaseUrl`; resolves with its admin key once it listens. */
async function startApi(databaseUrl: string, port: number): Promise<{ child: ChildProcess; adminKey: string }> {
  // The membership refresh runs every 3 s, so its loop meets the terminations too. The per-key
  // limits are off (as for test/api/faults): 10-16 clients of one key would otherwise be refused
  // RATE_LIMITED before they reach the database, and the faults would go unmet.
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    REFRESH_INTERVAL_MINUTES: '0.05',
    RATE_LIMIT_COST_PER_SECOND: '0',
    RATE_LIMIT_CONCURRENCY: '0',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Its log (a line per lost connection) is drained, and its last lines kept for a crash report.
  child.stderr!.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    let adminKey = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      adminKey ||= /admin: (ae_\S+)/.exec(out)?.[1] ?? '';
      if (/Audience Edge API on/.test(out)) (adminKey ? resolve({ child, adminKey }) : reject(new Error('The API printed no admin key')));
    });
    child.on('exit', (code) => reject(new Error(`The API exited (${code}) before listening:\n${out}`)));
  });
}

function report(name: string, result: ScenarioFigures, alive: boolean): void {
  const { figures } = result;
  console.log(`\n== ${name}`);
  if (figures) {
    const okTotal = Object.values(figures.ok).reduce((a, b) => a + b, 0);
    console.log(`requests ${figures.requests}, answered with data ${okTotal} (${JSON.stringify(figures.ok)})`);
  }
  for (const note of result.notes) console.log(note);
  console.log(`lost acknowledged writes: ${result.lost}`);
  if (figures) {
    console.log(`errors by code: ${JSON.stringify(figures.errors)}`);
    console.log(`latency p50 ${percentile(figures.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(figures.latenciesMs, 99).toFixed(1)} ms`);
    console.log(`server process alive: ${alive ? 'yes' : 'NO'}`);
    if (!alive) console.log(`its last log lines:\n${stderrTail}`);
  } else console.log(`all its processes behaved: ${result.ok === false ? 'NO' : 'yes'}`);
}

/** Runs `names` one after another against one API process on a fresh database; true if one failed. */
async function runShared(names: string[], scale: number): Promise<boolean> {
  const server = await createServerDatabase();
  const database = new URL(server.url).pathname.slice(1);
  const adminUrl = new URL(server.url);
  adminUrl.pathname = '/postgres';
  const port = await freePort();
  const started = Date.now();
  const { child, adminKey } = await startApi(server.url, port);
  console.log(`\nAPI (pid ${child.pid}) on a fresh database ${database}, seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  let failed = false;
  const ctx: SoakContext = { url: `http://127.0.0.1:${port}`, adminKey, databaseUrl: server.url, database, adminUrl: adminUrl.toString(), scale, alive: () => exited === undefined };
  try {
    for (const name of names) {
      const result = await SCENARIOS[name]!.run(ctx);
      const alive = ctx.alive() && (await fetch(`${ctx.url}/healthz`).then((r) => r.ok, () => false));
      report(name, result, alive);
      failed ||= !alive || result.lost > 0;
    }
  } finally {
    if (ctx.alive()) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.drop();
  }
  return failed;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scale = Number(args.find((a) => a.startsWith('--seconds-scale='))?.split('=')[1] ?? 1);
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
  const unknown = chosen.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (process.env.SOAK_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.SOAK_DATABASE_URL;

  let failed = false;
  const shared = chosen.filter((n) => SCENARIOS[n]!.sharedApi);
  if (shared.length > 0) failed = await runShared(shared, scale);
  // The kill cycles start their own processes on their own fresh databases, after the shared API has stopped.
  for (const name of chosen.filter((n) => !SCENARIOS[n]!.sharedApi)) {
    const result = await SCENARIOS[name]!.run({ url: '', adminKey: '', databaseUrl: '', database: '', adminUrl: '', scale, alive: () => false });
    report(name, result, true);
    failed ||= result.ok === false || result.lost > 0;
  }
  if (failed) process.exitCode = 1;
}

await main();
