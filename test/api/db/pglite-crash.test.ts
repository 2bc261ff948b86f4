/**
 * The real API process on a PGlite folder: a second API on the same folder is refused before it
 * opens it (it used to replay the live WAL and leave the folder unopenable once the first died), and
 * kill -9 mid-write, again and again, loses no acknowledged write and never stops the next start
 * (the same cycles on PostgreSQL and Neon: test/api/faults/kill-cycles.test.ts).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runApiProcessToExit, startApiProcess } from '../../helpers/api-process.js';
import { prepareDataDir, runKillCycles } from '../../helpers/kill-cycles.js';

const folders: string[] = [];
function tempDataDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'ae-pglite-crash-'));
  folders.push(parent);
  return join(parent, 'pglite');
}
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

/**
 * The files any PGlite open writes (the pid file and, on recovery, the control file), which a live
 * holder leaves alone while idle: the second process must not have changed them.
 */
function openMarks(dir: string): string[] {
  return ['postmaster.pid', 'global/pg_control'].map((file) => {
    const stat = statSync(join(dir, file));
    return `${file} ${stat.size}@${stat.mtimeMs}`;
  });
}

describe('one API process per PGlite folder', () => {
  it('a second API on the folder in use exits at once naming the holder, without touching the folder; after kill -9 of the first a start works', async () => {
    const dataDir = tempDataDir();
    await prepareDataDir(dataDir);
    const first = await startApiProcess({ PGLITE_DIR: dataDir });
    try {
      const before = openMarks(dataDir);
      const second = await runApiProcessToExit({ PGLITE_DIR: dataDir });
      expect(second.code).not.toBe(0);
      expect(second.output).toContain(`in use by process ${first.pid}`);
      expect(second.output).not.toMatch(/Audience Edge API on|RuntimeError/);
      expect(openMarks(dataDir)).toEqual(before);
    } finally {
      await first.kill('SIGKILL');
    }
    const third = await startApiProcess({ PGLITE_DIR: dataDir });
    const health = await fetch(`${third.url}/healthz`);
    expect(health.status).toBe(200);
    await third.kill('SIGTERM');
  });

  it('20 kill -9 cycles during writes: every start succeeds and every acknowledged write is there', { timeout: 600_000 }, async () => {
    const report = await runKillCycles({ target: { kind: 'pglite', dataDir: tempDataDir() }, cycles: 20 });
    console.log(
      `kill -9 cycles: ${report.cycles}, acknowledged ${report.acknowledged.profiles} profiles and ${report.acknowledged.events} events; ` +
        `start ${Math.min(...report.startMs)}-${Math.max(...report.startMs)} ms`,
    );
    expect(report.cycles).toBe(20);
    expect(report.acknowledged.profiles).toBeGreaterThan(20);
    expect(report.lost).toEqual([]);
  });
});
