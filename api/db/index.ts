/**
 * Opens the database the environment asks for and applies the migrations of drizzle/migrations:
 * no URL -> embedded PGlite in a data folder; a postgres:// URL -> node-postgres; a Neon URL (host
 * ending in neon.tech, or driver 'neon') -> the Neon serverless driver over WebSockets.
 * A read URL (DATABASE_READ_URL) adds replica pools of the same driver for request reads
 * (request-connections.ts) and a read router that probes it (read-routing.ts).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as schema from '../../drizzle/index.js';
import { lockPgliteDataDir } from './data-dir-lock.js';
import type { Database, DatabaseKind, DatabaseOptions, OpenedDatabase } from './types.js';
import { guardConnections } from './connections.js';
import { registerRequestConnections, timeoutPools, type ClientPool, type PooledClient, type ReplicaSource } from './request-connections.js';
import { DEFAULT_MAX_STALENESS_MS, primaryLsnOf, PRIMARY_LSN_SQL, ReadRouter, replicaState, REPLICA_SQL } from './read-routing.js';

export type { Database, DatabaseKind, DatabaseOptions, OpenedDatabase, DbQueryResultHKT } from './types.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/migrations', import.meta.url));
export const DEFAULT_PGLITE_DIR = '.data/pglite';

/** Which driver a URL (or its absence) calls for. */
export function chooseDriver(url: string | undefined, driver?: string): DatabaseKind {
  if (driver === 'pglite' || driver === 'postgres' || driver === 'neon') return driver;
  if (driver !== undefined && driver !== '') throw new Error(`DATABASE_DRIVER must be pglite, postgres or neon, not '${driver}'`);
  if (!url) return 'pglite';
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error('DATABASE_URL is not a valid URL');
  }
  return host.endsWith('.neon.tech') || host === 'neon.tech' ? 'neon' : 'postgres';
}

/**
 * Options from process environment variables (DATABASE_URL, DATABASE_DRIVER, PGLITE_DIR,
 * DATABASE_READ_URL, DATABASE_READ_MAX_STALENESS_MS).
 */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const driver = env.DATABASE_DRIVER ? chooseDriver(env.DATABASE_URL, env.DATABASE_DRIVER) : undefined;
  const options: DatabaseOptions = { url: env.DATABASE_URL || undefined, driver, dataDir: env.PGLITE_DIR || undefined };
  if (env.DATABASE_READ_URL) options.readUrl = env.DATABASE_READ_URL;
  const staleness = env.DATABASE_READ_MAX_STALENESS_MS;
  if (staleness !== undefined && staleness !== '') {
    const value = Number(staleness);
    if (!Number.isInteger(value) || value < 0) throw new Error(`DATABASE_READ_MAX_STALENESS_MS must be a whole number of milliseconds >= 0, not '${staleness}'`);
    options.readRouting = { maxStalenessMs: value };
  }
  return options;
}

/** Refuses a read URL that cannot be used: with PGlite (one embedded database, no replica of it) or not a URL. */
function checkReadUrl(kind: DatabaseKind, readUrl: string | undefined): void {
  if (readUrl === undefined) return;
  if (kind === 'pglite') {
    throw new Error('DATABASE_READ_URL is set but the database is PGlite (no DATABASE_URL): an embedded database has no replica. Set DATABASE_URL to the primary, or unset DATABASE_READ_URL');
  }
  try {
    new URL(readUrl);
  } catch {
    throw new Error('DATABASE_READ_URL is not a valid URL');
  }
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<OpenedDatabase> {
  const kind = chooseDriver(options.url, options.driver);
  const migrate = options.migrate ?? true;
  checkReadUrl(kind, options.readUrl);
  let opened: OpenedDatabase;
  if (kind === 'pglite') opened = await openPglite(options.dataDir ?? DEFAULT_PGLITE_DIR, migrate);
  else if (!options.url) throw new Error(`The ${kind} driver needs a DATABASE_URL`);
  else if (kind === 'postgres') opened = await openNodePostgres(options.url, options.poolMax ?? 10, migrate, options);
  else opened = await openNeon(options.url, options.poolMax ?? 10, migrate, options);
  return opened;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

async function openPglite(dataDir: string, migrate: boolean): Promise<OpenedDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  // One process per folder on disk (data-dir-lock.ts), locked before PGlite reads it.
  const lock = lockPgliteDataDir(dataDir);
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const close = once(() => client.close().finally(() => lock?.release()));
  const db = drizzle({ client, schema });
  try {
    await client.waitReady;
    // PGlite runs PostgreSQL in this thread: a commit that fills a WAL segment zero-filled the next
    // 16 MB file first, holding the event loop 0.3-1.8 s (every ~16 MB of writes: an export build's
    // slices, imports). Without the zero fill the file is created at once; nothing is weakened (the
    // setting exists for file systems where zero-filling reserves space ahead). One session: set once.
    await client.exec('set wal_init_zero = off');
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/pglite/migrator');
      await run(db, { migrationsFolder: MIGRATIONS_FOLDER });
    }
  } catch (error) {
    await close().catch(() => lock?.release());
    throw error;
  }
  return { db: db as unknown as Database, kind: 'pglite', close };
}

/** Replica connections fail fast: a read waits this long at most before going to the primary. */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/** The read router over a replica pool and the primary pool (each answers one small query). */
function readRouter(primary: { query(text: string): Promise<{ rows: unknown[] }> }, replica: { query(text: string): Promise<{ rows: unknown[] }> }, options: DatabaseOptions): ReadRouter {
  return new ReadRouter(
    {
      primaryLsn: async () => primaryLsnOf((await primary.query(PRIMARY_LSN_SQL)).rows[0] as { lsn: string } | undefined),
      replica: async () => replicaState((await replica.query(REPLICA_SQL)).rows[0] as { recovery: boolean; lsn: string | null } | undefined),
    },
    { maxStalenessMs: DEFAULT_MAX_STALENESS_MS, ...options.readRouting },
  );
}

async function openNodePostgres(url: string, max: number, migrate: boolean, options: DatabaseOptions): Promise<OpenedDatabase> {
  const { default: pg } = await import('pg');
  const { drizzle, NodePgTransaction } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({ connectionString: url, max });
  guardConnections(pool, 'postgres');
  const db = drizzle({ client: pool, schema });
  try {
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
      await run(db, { migrationsFolder: MIGRATIONS_FOLDER });
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  // GraphQL query operations: pools of as many connections again, each with its statement timeout.
  const requestPools = timeoutPools((timeoutMs) => {
    const timed = new pg.Pool({ connectionString: url, max, statement_timeout: timeoutMs > 0 ? timeoutMs : undefined });
    guardConnections(timed, 'postgres');
    return timed as unknown as ClientPool;
  });
  let replica: (ReplicaSource & { end(): Promise<void> }) | undefined;
  if (options.readUrl) {
    const readUrl = options.readUrl;
    const readPool = (timeoutMs: number) => {
      const made = new pg.Pool({
        connectionString: readUrl,
        max,
        statement_timeout: timeoutMs > 0 ? timeoutMs : undefined,
        connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
        application_name: 'audience-edge-read',
      });
      guardConnections(made, 'postgres replica');
      // An idle replica connection that dies (the standby stopped): reads leave it now, not at the next probe.
      made.on('error', (error) => router.markDown(error));
      return made;
    };
    const replicaPools = timeoutPools((timeoutMs) => readPool(timeoutMs) as unknown as ClientPool);
    const downloads = readPool(0);
    const router = readRouter(pool, downloads, options);
    replica = {
      router,
      poolFor: replicaPools.poolFor,
      db: drizzle({ client: downloads, schema }) as unknown as Database,
      end: () => {
        router.stop();
        return Promise.all([replicaPools.end(), downloads.end()]).then(() => undefined);
      },
    };
    await router.probe();
  }
  registerRequestConnections(db as unknown as Database, {
    kind: 'session-timeout',
    poolFor: requestPools.poolFor,
    replica,
    wrap: (client: PooledClient) => {
      // The transaction object drizzle's own transaction() makes, without its BEGIN (see request-connections.ts).
      const session = drizzle({ client: client as never, schema })._.session as unknown as { dialect: never; schema: never };
      return new NodePgTransaction(session.dialect, session as never, session.schema) as unknown as Database;
    },
  });
  return { db: db as unknown as Database, kind: 'postgres', close: once(() => Promise.all([pool.end(), requestPools.end(), replica?.end()]).then(() => undefined)) };
}

async function openNeon(url: string, max: number, migrate: boolean, options: DatabaseOptions): Promise<OpenedDatabase> {
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { drizzle, NeonTransaction } = await import('drizzle-orm/neon-serverless');
  if (!neonConfig.webSocketConstructor) {
    const { WebSocket } = await import('ws');
    neonConfig.webSocketConstructor = WebSocket;
  }
  const pool = new Pool({ connectionString: url, max });
  guardConnections(pool, 'neon');
  const db = drizzle({ client: pool, schema });
  try {
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/neon-serverless/migrator');
      await run(db, { migrationsFolder: MIGRATIONS_FOLDER });
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  let replica: (ReplicaSource & { end(): Promise<void> }) | undefined;
  if (options.readUrl) {
    // One pool: Neon's requests set their timeout per transaction, not per connection.
    const readPool = new Pool({ connectionString: options.readUrl, max, connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS });
    guardConnections(readPool, 'neon replica');
    const router = readRouter(pool, readPool, options);
    readPool.on('error', (error: Error) => router.markDown(error));
    replica = {
      router,
      poolFor: () => readPool as unknown as ClientPool,
      db: drizzle({ client: readPool, schema }) as unknown as Database,
      end: () => {
        router.stop();
        return readPool.end();
      },
    };
    await router.probe();
  }
  registerRequestConnections(db as unknown as Database, {
    kind: 'transaction',
    pool: pool as unknown as ClientPool,
    replica,
    wrap: (client: PooledClient) => {
      // The transaction object drizzle's own transaction() makes, without its BEGIN (see request-connections.ts).
      const session = drizzle({ client: client as never, schema })._.session as unknown as { dialect: never; schema: never };
      return new NeonTransaction(session.dialect, session as never, session.schema) as unknown as Database;
    },
  });
  return { db: db as unknown as Database, kind: 'neon', close: once(() => Promise.all([pool.end(), replica?.end()]).then(() => undefined)) };
}
