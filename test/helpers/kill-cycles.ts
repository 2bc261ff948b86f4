/**
 * Hard crashes of the real API: start api/main.ts on a database target (a PGlite folder, a database
 * of the real PostgreSQL through node-postgres, or the same through the Neon serverless driver via
 * the local relay), write through GraphQL (upsertProfiles, then trackEvents for that profile) from
 * several writers at once, kill -9 the process mid-write, start it again, and check that it starts
 * and that every write it acknowledged is there. On a server database also that nothing of the dead
 * process is left: no backend of it (idle in transaction or otherwise), no advisory lock, no prepared
 * transaction. `runKillCycles` is the driver (tests run 20 cycles; the soak runs 100).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../api/db/index.js';
import { createWorkspace } from '../../api/auth/auth.service.js';
import { startApiProcess, type ApiProcess } from './api-process.js';

/** Where the API keeps its data: what it is started on, again and again. */
export type KillTarget =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string }
  /** `relayPort`: a relay of test/helpers/neon-relay.ts in this process, which the child's Neon driver goes through. */
  | { kind: 'neon'; url: string; relayPort: number };

export interface KillCycleOptions {
  target: KillTarget;
  cycles: number;
  /** Concurrent writers per cycle (default 3). */
  writers?: number;
  /** The kill comes this many ms after the first acknowledged write of the cycle, drawn uniformly (default 200-600). */
  killAfterMs?: [number, number];
  log?: (line: string) => void;
}

export interface KillCycleReport {
  cycles: number;
  /** Writes acknowledged before a kill: profiles upserted and events tracked. */
  acknowledged: { profiles: number; events: number };
  /** Acknowledged writes missing after a restart (should be none). */
  lost: string[];
  /** What a killed process left on the server after the next start (should be nothing; always empty on PGlite). */
  leftovers: string[];
  /** Time from spawn to listening, per start (ms). */
  startMs: number[];
}

interface Ack {
  externalId: string;
  event: boolean;
}

/** The child's Neon driver goes through the parent's relay (set up before api/main.ts runs). */
const NEON_RELAY_SETUP = './test/helpers/neon-relay-child.ts';
/** A killed process's backends have this long to go before they count as left over. */
const BACKENDS_GONE_MS = 30_000;

async function gql(api: ApiProcess, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
}

/** Writes until the process dies; returns what it acknowledged. */
async function writeUntilKilled(api: ApiProcess, key: string, prefix: string, onAck: () => void): Promise<Ack[]> {
  const acks: Ack[] = [];
  try {
    for (let n = 0; ; n++) {
      const externalId = `${prefix}-${n}`;
      const upsert = await gql(api, key, 'mutation($p: [ProfileInput!]!) { upsertProfiles(inputs: $p) { created } }', {
        p: [{ externalId, email: `${externalId}@example.com`, consent: { ads: true } }],
      });
      if (upsert.data?.upsertProfiles?.created !== 1) throw new Error(`upsert not acknowledged: ${JSON.stringify(upsert)}`);
      const ack: Ack = { externalId, event: false };
      acks.push(ack);
      onAck();
      const track = await gql(api, key, 'mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', {
        e: [{ eventId: `ev-${externalId}`, externalId, name: 'page_view', timestamp: new Date().toISOString() }],
      });
      if (track.data?.trackEvents?.accepted !== 1) throw new Error(`event not acknowledged: ${JSON.stringify(track)}`);
      ack.event = true;
    }
  } catch (error) {
    // The kill cuts a request off (fetch fails); anything else is a wrong answer from a live API.
    if (!(error instanceof TypeError)) throw error;
  }
  return acks;
}

/**
 * The acknowledged writes the API does not have, asked through GraphQL 50 at a time (one missing
 * profile nulls its whole request, as `profile` is non-null: then they are asked one by one).
 */
async function missingWrites(api: ApiProcess, key: string, acks: Ack[]): Promise<string[]> {
  const lost: string[] = [];
  for (let i = 0; i < acks.length; i += 50) {
    const batch = acks.slice(i, i + 50);
    const fields = batch.map((a, j) => `p${j}: profile(externalId: ${JSON.stringify(a.externalId)}) { events(first: 5) { edges { node { id } } } }`);
    const result = await gql(api, key, `{ ${fields.join('\n')} }`, {});
    if (!result.data && batch.length > 1) {
      for (const ack of batch) lost.push(...(await missingWrites(api, key, [ack])));
      continue;
    }
    batch.forEach((ack, j) => {
      const profile = result.data?.[`p${j}`] as { events: { edges: unknown[] } } | null | undefined;
      if (!profile) lost.push(`profile ${ack.externalId}`);
      else if (ack.event && profile.events.edges.length !== 1) lost.push(`event of ${ack.externalId}`);
    });
  }
  return lost;
}

/** A workspace and its admin key in the database, so the API does not seed its demo on first start. */
export async function prepareTarget(target: KillTarget): Promise<string> {
  const opened = await (target.kind === 'pglite'
    ? openDatabase({ driver: 'pglite', dataDir: target.dataDir })
    : openDatabase({ driver: 'postgres', url: target.url, poolMax: 1 }));
  try {
    return (await createWorkspace(opened.db, 'Kill cycles')).adminKey;
  } finally {
    await opened.close();
  }
}

/** A PGlite folder prepared for kill cycles (see `prepareTarget`). */
export function prepareDataDir(dataDir: string): Promise<string> {
  return prepareTarget({ kind: 'pglite', dataDir });
}

/** Each start's connections carry the cycle in their application_name, to tell a dead process's backends from the live one's. */
function applicationName(cycle: number): string {
  return `ae-kill-cycle-${cycle}`;
}

/**
 * The environment of a start. The per-key rate limit is off: on PostgreSQL four writers of one key
 * exceed its 1,000 units a second, and the crash, not the limiter, is under test here.
 */
function processEnv(target: KillTarget, cycle: number): { env: Record<string, string>; imports: string[] } {
  const common = { RATE_LIMIT_COST_PER_SECOND: '0' };
  if (target.kind === 'pglite') return { env: { ...common, PGLITE_DIR: target.dataDir }, imports: [] };
  const url = new URL(target.url);
  url.searchParams.set('application_name', applicationName(cycle));
  if (target.kind === 'postgres') return { env: { ...common, DATABASE_URL: url.toString() }, imports: [] };
  return {
    env: { ...common, DATABASE_URL: url.toString(), DATABASE_DRIVER: 'neon', AE_NEON_RELAY_PORT: String(target.relayPort) },
    imports: [NEON_RELAY_SETUP],
  };
}

/**
 * What the processes of cycles before `cycle` left on the server: their backends (given
 * BACKENDS_GONE_MS to notice their closed sockets and end), advisory locks held in the database
 * outside a running statement, prepared transactions.
 */
async function serverLeftovers(url: string, cycle: number): Promise<string[]> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const dead = Array.from({ length: cycle }, (_, c) => applicationName(c));
    const deadline = Date.now() + BACKENDS_GONE_MS;
    let backends: Array<{ pid: number; application_name: string; state: string | null }> = [];
    do {
      ({ rows: backends } = await admin.query('select pid, application_name, state from pg_stat_activity where datname = $1 and application_name = any($2)', [database, dead]));
      if (backends.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    } while (backends.length > 0 && Date.now() < deadline);
    const out = backends.map((b) => `cycle ${cycle}: backend ${b.pid} of ${b.application_name} still there (${b.state})`);
    // Advisory locks are taken per transaction; one held by a backend that is not running a statement is leaked.
    const { rows: locks } = await admin.query(
      `select l.pid, a.application_name, a.state from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and a.datname = $1 and a.state <> 'active'`,
      [database],
    );
    out.push(...locks.map((l) => `cycle ${cycle}: advisory lock held by ${l.pid} of ${l.application_name} (${l.state})`));
    const { rows: prepared } = await admin.query('select gid from pg_prepared_xacts where database = $1', [database]);
    out.push(...prepared.map((p) => `cycle ${cycle}: prepared transaction ${p.gid}`));
    return out;
  } finally {
    await admin.end();
  }
}

export async function runKillCycles(options: KillCycleOptions): Promise<KillCycleReport> {
  const { target, cycles, writers = 3, killAfterMs = [200, 600], log = () => undefined } = options;
  const key = await prepareTarget(target);
  const report: KillCycleReport = { cycles: 0, acknowledged: { profiles: 0, events: 0 }, lost: [], leftovers: [], startMs: [] };
  const start = async (cycle: number) => {
    const { env, imports } = processEnv(target, cycle);
    const spawned = Date.now();
    const api = await startApiProcess(env, 60_000, { imports });
    report.startMs.push(Date.now() - spawned);
    return api;
  };
  const checkLeftovers = async (cycle: number) => {
    if (target.kind !== 'pglite' && cycle > 0) report.leftovers.push(...(await serverLeftovers(target.url, cycle)));
  };
  const all: Ack[] = [];
  let previous: Ack[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const api = await start(cycle);
    try {
      // What the previous process acknowledged before its kill survived it, and it left nothing behind.
      report.lost.push(...(await missingWrites(api, key, previous)));
      await checkLeftovers(cycle);
      const run = randomUUID().slice(0, 8);
      let acked!: () => void;
      const firstAck = new Promise<void>((resolve) => (acked = resolve));
      const writing = Array.from({ length: writers }, (_, w) => writeUntilKilled(api, key, `c${cycle}-${run}-w${w}`, acked));
      // Writing has begun for sure (the API may be busy just after it starts listening).
      await Promise.race([firstAck, Promise.all(writing)]);
      const [min, max] = killAfterMs;
      await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
      await api.kill('SIGKILL');
      previous = (await Promise.all(writing)).flat();
    } finally {
      await api.kill('SIGKILL');
    }
    all.push(...previous);
    report.cycles++;
    log(`cycle ${cycle + 1}: started in ${report.startMs.at(-1)} ms, ${previous.length} profiles acknowledged before kill -9`);
  }
  // Every write of every cycle is still there after all the crashes that followed it.
  const api = await start(cycles);
  try {
    report.lost.push(...(await missingWrites(api, key, all)));
    await checkLeftovers(cycles);
  } finally {
    await api.kill('SIGTERM');
  }
  report.acknowledged = { profiles: all.length, events: all.filter((a) => a.event).length };
  return report;
}
