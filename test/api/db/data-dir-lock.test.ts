/**
 * The lock of a PGlite data folder (api/db/data-dir-lock.ts): a live holder is refused by name, a dead
 * one (or one whose pid now belongs to another process) is taken over, and of several processes
 * finding the same stale lock exactly one takes it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, lockPgliteDataDir, processStartTime } from '../../../api/db/data-dir-lock.js';

const parent = mkdtempSync(join(tmpdir(), 'ae-lock-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
let n = 0;
const folder = () => join(parent, `pglite-${n++}`);
const LOCK_MODULE = fileURLToPath(new URL('../../../api/db/data-dir-lock.ts', import.meta.url));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(dir: string, owner: { pid: number; start: string | null; host?: string }): void {
  writeFileSync(`${dir}.lock`, JSON.stringify({ host: hostname(), nonce: 'theirs', ...owner }));
}

describe('data folder lock', () => {
  it('is refused while held, naming the holder, and free again once released; the folder is not created by a refused lock', () => {
    const dir = folder();
    const held = lockDataDir(dir);
    expect(existsSync(dir)).toBe(false);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${process.pid}`);
    held.release();
    held.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    lockDataDir(dir).release();
  });

  it('a lock left by a dead process is taken over', () => {
    const dir = folder();
    writeLock(dir, { pid: deadPid(), start: null });
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it.runIf(processStartTime(process.pid) !== null)('a lock whose pid now belongs to another process (another start time) is taken over', () => {
    const dir = folder();
    writeLock(dir, { pid: process.ppid, start: '1' });
    lockDataDir(dir).release();
    writeLock(dir, { pid: process.ppid, start: processStartTime(process.ppid) });
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${process.ppid}`);
  });

  it('a lock from another host, or not ours at all, is refused or replaced as it should be', () => {
    const dir = folder();
    writeLock(dir, { pid: process.ppid, start: null, host: 'elsewhere' });
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${process.ppid} on elsewhere`);
    writeFileSync(`${dir}.lock`, 'garbage');
    lockDataDir(dir).release();
  });

  it('memory:// takes no lock; file:// locks the path', () => {
    expect(lockPgliteDataDir('memory://')).toBeNull();
    const dir = folder();
    const lock = lockPgliteDataDir(`file://${dir}`);
    expect(lock?.path).toBe(`${dir}.lock`);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    lock?.release();
  });

  it('of 6 processes racing for the same stale lock exactly one takes it', async () => {
    const dir = folder();
    writeLock(dir, { pid: deadPid(), start: null });
    // Each racer loads the module, says 'ready', tries on 'go' (all at once), holds until stdin closes;
    // each waits 300 ms between finding the lock stale and replacing it, so all of them find it stale.
    const script = `
      const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});
      const lines = (await import('node:readline')).createInterface({ input: process.stdin });
      console.log('ready');
      for await (const line of lines) {
        const beforeTakeover = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        try { lockDataDir(${JSON.stringify(dir)}, { beforeTakeover }); console.log('took'); } catch (error) { console.log(error.name); }
      }`;
    const racers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines: string[] = [];
      const waiters: Array<() => void> = [];
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        lines.push(...chunk.split('\n').filter(Boolean));
        waiters.splice(0).forEach((w) => w());
      });
      const nth = (i: number) => new Promise<string>((resolve) => {
        const check = () => (lines.length > i ? resolve(lines[i]!) : waiters.push(check));
        check();
      });
      return { child, nth, exited: new Promise((resolve) => child.on('exit', resolve)) };
    });
    await Promise.all(racers.map((r) => r.nth(0)));
    racers.forEach((r) => r.child.stdin.write('go\n'));
    const outcomes = await Promise.all(racers.map((r) => r.nth(1)));
    racers.forEach((r) => r.child.stdin.end());
    await Promise.all(racers.map((r) => r.exited));
    expect(outcomes.filter((o) => o === 'took')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirLockedError')).toHaveLength(5);
    // The winner released it on exit.
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
