/**
 * One process at a time per PGlite data folder. PGlite is a whole PostgreSQL server inside the
 * process and takes no lock of its own (the postmaster.pid it writes holds a fake pid, -42): a second
 * process opening a folder in use replays and checkpoints the WAL the first is still writing, and
 * after the first dies the folder's checkpoint record points into WAL overwritten since ("could not
 * locate a valid checkpoint record", RuntimeError: Aborted() on every later start).
 *
 * The lock is a file beside the folder (`<folder>.lock`, so the folder itself is never touched before
 * the lock is held) naming the holder: host, pid, the process's start time (from /proc, where there
 * is one, so a pid reused by another process is not mistaken for the holder) and a random nonce. It
 * is created whole and atomically (written to a private file, then hard-linked into place, which
 * fails if a lock exists). A lock whose holder is gone is replaced by rename, under a short-lived
 * takeover guard (itself created with O_EXCL) after checking again that it is still the same stale
 * lock, so of several processes finding it stale only one takes it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

interface LockOwner {
  host: string;
  pid: number;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22); null where unknown. */
  start: string | null;
  nonce: string;
}

export interface DataDirLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

/** The folder is held by a live process. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; host: string },
  ) {
    super(
      `The PGlite data folder ${dataDir} is in use by process ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}: ` +
        'only one process can open it (stop that one, or set PGLITE_DIR to another folder)',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Start time of a process from /proc (Linux); null where there is no /proc or no such process. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another host's process cannot be checked from here: assume it is alive rather than corrupt its folder.
  if (owner.host !== hostname()) return true;
  // Our pid in a lock another process wrote: that process is gone and its pid reused by us.
  if (owner.pid === process.pid && !owner.nonce.startsWith(MY_NONCE)) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === null) return true;
  const start = processStartTime(owner.pid);
  return start === null || start === owner.start;
}

const MY_NONCE = randomBytes(8).toString('hex');

function readOwner(path: string): LockOwner | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.nonce === 'string' ? owner : null;
  } catch {
    // Not a lock we wrote (ours are linked into place whole): nobody can be holding it.
    return null;
  }
}

function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the lock of a data folder, or throws DataDirLockedError naming the live holder. Synchronous,
 * so nothing else runs between the check and the open that follows it. `beforeTakeover` runs between
 * finding a lock stale and replacing it (tests widen that window with it).
 */
export function lockDataDir(dataDir: string, options: { beforeTakeover?: () => void } = {}): DataDirLock {
  const folder = resolve(dataDir);
  const path = `${folder}.lock`;
  mkdirSync(dirname(folder), { recursive: true });
  const owner: LockOwner = { host: hostname(), pid: process.pid, start: processStartTime(process.pid), nonce: `${MY_NONCE}-${randomBytes(8).toString('hex')}` };
  const mine = JSON.stringify(owner);
  const staging = `${path}.${process.pid}.${owner.nonce}`;
  const guard = `${path}.takeover`;
  writeFileDurably(staging, mine);
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 200) throw new Error(`Could not take the lock ${path}: it keeps changing`);
      try {
        linkSync(staging, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = readOwner(path);
      if (held === 'missing') continue;
      if (held !== null && isAlive(held)) throw new DataDirLockedError(folder, held);
      // Stale: replace it, one taker at a time, if it is still the lock judged stale.
      options.beforeTakeover?.();
      try {
        writeFileDurably(guard, mine);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const taker = readOwner(guard);
        if (taker !== 'missing' && (taker === null || !isAlive(taker))) tryUnlink(guard);
        else sleep(20);
        continue;
      }
      try {
        const again = readOwner(path);
        if (again !== 'missing' && JSON.stringify(again) === JSON.stringify(held)) {
          renameSync(staging, path);
          break;
        }
      } finally {
        tryUnlink(guard);
      }
    }
  } finally {
    tryUnlink(staging);
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const held = readOwner(path);
    if (held !== 'missing' && held?.nonce === owner.nonce) tryUnlink(path);
  };
  // A process that exits without closing (an uncaught error) leaves no lock behind; kill -9 does,
  // and the next start finds its holder gone.
  process.on('exit', release);
  return { path, release };
}

/** The lock of a PGlite `dataDir` on disk (a path or file://); null for memory:// and the browser's stores. */
export function lockPgliteDataDir(dataDir: string): DataDirLock | null {
  if (dataDir.startsWith('file://')) return lockDataDir(dataDir.slice('file://'.length));
  return dataDir === '' || dataDir.includes('://') ? null : lockDataDir(dataDir);
}
