/**
 * Hard crashes of the real API on PGlite: start api/main.ts on a data folder, write through GraphQL
 * (upsertProfiles, then trackEvents for that profile) from several writers at once, kill -9 the
 * process mid-write, start it again, and check that it starts and that every write it acknowledged
 * is there. `runKillCycles` is the driver (the test runs 20 cycles; a soak can run more).
 */
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../api/db/index.js';
import { createWorkspace } from '../../api/auth/auth.service.js';
import { startApiProcess, type ApiProcess } from './api-process.js';

export interface KillCycleOptions {
  dataDir: string;
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
  /** Time from spawn to listening, per start (ms). */
  startMs: number[];
}

interface Ack {
  externalId: string;
  event: boolean;
}

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

/** A workspace and its admin key in the folder, so the API does not seed its demo on first start. */
export async function prepareDataDir(dataDir: string): Promise<string> {
  const opened = await openDatabase({ driver: 'pglite', dataDir });
  try {
    return (await createWorkspace(opened.db, 'Kill cycles')).adminKey;
  } finally {
    await opened.close();
  }
}

export async function runKillCycles(options: KillCycleOptions): Promise<KillCycleReport> {
  const { dataDir, cycles, writers = 3, killAfterMs = [200, 600], log = () => undefined } = options;
  const key = await prepareDataDir(dataDir);
  const env = { PGLITE_DIR: dataDir };
  const all: Ack[] = [];
  const report: KillCycleReport = { cycles: 0, acknowledged: { profiles: 0, events: 0 }, lost: [], startMs: [] };
  let previous: Ack[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const spawned = Date.now();
    const api = await startApiProcess(env);
    report.startMs.push(Date.now() - spawned);
    try {
      // What the previous process acknowledged before its kill survived it.
      report.lost.push(...(await missingWrites(api, key, previous)));
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
  const api = await startApiProcess(env);
  try {
    report.lost.push(...(await missingWrites(api, key, all)));
  } finally {
    await api.kill('SIGTERM');
  }
  report.acknowledged = { profiles: all.length, events: all.filter((a) => a.event).length };
  return report;
}
