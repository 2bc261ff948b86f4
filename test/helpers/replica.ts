/**
 * A real primary with a real streaming standby on this machine, for the read-replica tests: a
 * throwaway cluster (initdb into a temp folder, its own port) and a physical standby of it made by
 * `pg_basebackup -R` (streaming replication, hot standby), both started with pg_ctl.
 *
 * Why not a standby of the machine's server at 127.0.0.1:5432: its pg_hba.conf allows no
 * replication connections (Debian's default plus CI's `host all all ... trust`, and `all` does not
 * cover replication), and a test must not rewrite the system's config. A cluster of our own gets
 * initdb's defaults, which allow replication from 127.0.0.1, and can be stopped and paused at will.
 *
 * PostgreSQL refuses to run as root: as root, every command runs as the `postgres` OS user (runuser),
 * which owns the temp folder. `replicaUnavailable()` says, before anything starts, why it cannot be
 * done on this machine (no server binaries, root without a postgres user); the tests skip with that
 * reason and nothing else: once it says yes, a failure to start is a test failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = found.status === 0 ? found.stdout.trim() : '';
  return dir && existsSync(join(dir, 'initdb')) ? dir : null;
}

function osUser(): { uid: number; gid: number } | null {
  const found = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return found.status === 0 && gid.status === 0 ? { uid: Number(found.stdout.trim()), gid: Number(gid.stdout.trim()) } : null;
}

const isRoot = () => process.getuid?.() === 0;

/** Why a primary/standby pair cannot be made here, or null when it can. */
export function replicaUnavailable(): string | null {
  if (!binDir()) return 'no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql or pg_config --bindir';
  if (isRoot() && !osUser()) return 'running as root and there is no postgres OS user to run a cluster as (PostgreSQL refuses root)';
  if (isRoot() && !runuser()) return 'running as root without runuser to switch to the postgres OS user';
  return null;
}

function runuser(): string | null {
  return ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((path) => existsSync(path)) ?? null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  /** A pg client on the standby (superuser): pause/resume replay, inspect. */
  replicaQuery(text: string): Promise<pg.QueryResult>;
  primaryQuery(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stops replaying WAL (the standby stays up and answers, with old data). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when called. */
  caughtUp(): Promise<void>;
  /** Stops the standby (immediate shutdown: its connections drop like a crashed server's). */
  stopReplica(): void;
  startReplica(): Promise<void>;
  close(): Promise<void>;
}

/** Pairs of runs killed before their close are stopped and removed after this long. */
const STALE_MS = 3600_000;
const PREFIX = 'ae-replica-';

/** Makes the pair (a few seconds: initdb, base backup, two starts). */
export async function startReplicaPair(database = 'ae_replica'): Promise<ReplicaPair> {
  const bin = binDir()!;
  const user = isRoot() ? osUser() : null;
  const run = (tool: string, args: string[]) => {
    const command = user ? runuser()! : join(bin, tool);
    const argv = user ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    try {
      return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };
  removeStale(run);
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  if (user) chownSync(dir, user.uid, user.gid);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const settings = (port: number) => ['-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c shared_buffers=32MB`];
  const start = (data: string, port: number) => run('pg_ctl', ['-D', data, '-l', join(dir, `${port}.log`), '-w', '-t', '60', ...settings(port), 'start']);
  let started: string[] = [];
  const stopAll = () => {
    for (const data of started) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    started = [];
  };
  try {
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // wal_keep_size: a paused or stopped standby finds the WAL it missed when it resumes.
    appendFileSync(join(primaryDir, 'postgresql.conf'), "\nwal_level = replica\nmax_wal_senders = 4\nwal_keep_size = '256MB'\n");
    start(primaryDir, primaryPort);
    started.push(primaryDir);
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${database}`;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres` });
    await admin.connect();
    await admin.query(`create database "${database}"`);
    await admin.end();
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    start(standbyDir, standbyPort);
    started.push(standbyDir);
    const replicaUrl = `postgres://postgres@127.0.0.1:${standbyPort}/${database}`;
    const once = async (url: string, text: string, values?: unknown[]) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    };
    const pair: ReplicaPair = {
      primaryUrl,
      replicaUrl,
      replicaQuery: (text) => once(replicaUrl, text),
      primaryQuery: (text, values) => once(primaryUrl, text, values),
      pauseReplay: async () => void (await once(replicaUrl, 'select pg_wal_replay_pause()')),
      resumeReplay: async () => void (await once(replicaUrl, 'select pg_wal_replay_resume()')),
      caughtUp: async () => {
        const { rows } = await once(primaryUrl, 'select pg_current_wal_lsn()::text as lsn');
        const target = rows[0].lsn as string;
        for (;;) {
          const state = await once(replicaUrl, `select pg_last_wal_replay_lsn() >= '${target}'::pg_lsn as done`);
          if (state.rows[0].done) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      stopReplica: () => {
        run('pg_ctl', ['-D', standbyDir, '-m', 'immediate', '-w', 'stop']);
        started = started.filter((d) => d !== standbyDir);
      },
      startReplica: async () => {
        start(standbyDir, standbyPort);
        started.push(standbyDir);
      },
      close: async () => {
        stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await pair.caughtUp();
    return pair;
  } catch (error) {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the clusters of crashed runs (their folders older than STALE_MS) and removes the folders. */
function removeStale(run: (tool: string, args: string[]) => unknown): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < STALE_MS) continue;
      for (const data of ['standby', 'primary'].map((d) => join(dir, d))) {
        if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run's folder, or already gone
    }
  }
}
