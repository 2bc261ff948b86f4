/**
 * kill -9 and restart of the real API process on the real PostgreSQL, through node-postgres and
 * through the Neon serverless driver (via the local relay): mid-write while several writers write,
 * every start succeeds, every acknowledged write is there, and the killed process leaves nothing on
 * the server (no backend idle in a transaction, no advisory lock, no prepared transaction). The
 * PGlite cycles are in test/api/db/pglite-crash.test.ts; the soak runs 100 (bench/soak.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase } from '../../helpers/db.js';
import { startNeonRelay, type NeonRelay } from '../../helpers/neon-relay.js';
import { runKillCycles, type KillCycleReport } from '../../helpers/kill-cycles.js';

function summary(name: string, report: KillCycleReport): string {
  return (
    `${name} kill -9 cycles: ${report.cycles}, acknowledged ${report.acknowledged.profiles} profiles and ${report.acknowledged.events} events; ` +
    `start ${Math.min(...report.startMs)}-${Math.max(...report.startMs)} ms`
  );
}

describe('kill -9 cycles of the API on PostgreSQL', () => {
  const drops: Array<() => Promise<void>> = [];
  let relay: NeonRelay | undefined;
  beforeAll(async () => {
    relay = await startNeonRelay();
  });
  afterAll(async () => {
    await relay?.close();
    for (const drop of drops) await drop();
  });

  it('20 cycles through node-postgres: every start succeeds, every acknowledged write is there, nothing of a dead process is left', { timeout: 600_000 }, async () => {
    const server = await createServerDatabase();
    drops.push(server.drop);
    const report = await runKillCycles({ target: { kind: 'postgres', url: server.url }, cycles: 20, writers: 4 });
    console.log(summary('postgres', report));
    expect(report.cycles).toBe(20);
    expect(report.acknowledged.profiles).toBeGreaterThan(20);
    expect(report.lost).toEqual([]);
    expect(report.leftovers).toEqual([]);
  });

  it('5 cycles through the Neon serverless driver: the same', { timeout: 300_000 }, async () => {
    const server = await createServerDatabase();
    drops.push(server.drop);
    const report = await runKillCycles({ target: { kind: 'neon', url: server.url, relayPort: relay!.port }, cycles: 5, writers: 4 });
    console.log(summary('neon', report));
    expect(report.cycles).toBe(5);
    expect(report.acknowledged.profiles).toBeGreaterThan(5);
    expect(report.lost).toEqual([]);
    expect(report.leftovers).toEqual([]);
  });
});
