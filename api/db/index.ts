/**
 * Opens the database the environment asks for and applies the migrations of drizzle/migrations:
 * no URL -> embedded PGlite in a data folder; a postgres:// URL -> node-postgres; a Neon URL (host
 * ending in neon.tech, or driver 'neon') -> the Neon serverless driver over WebSockets.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as schema from '../../drizzle/index.js';
import { lockPgliteDataDir } from './data-dir-lock.js';
import type { Database, DatabaseKind, DatabaseOptions, OpenedDatabase } from './types.js';
import { guardConnections } from './connections.js';
import { registerRequestConnections, timeoutPools, type ClientPool, type PooledClient } from './request-connections.js';

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

/** Options from process environment variables (DATABASE_URL, DATABASE_DRIVER, PGLITE_DIR). */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const driver = env.DATABASE_DRIVER ? chooseDriver(env.DATABASE_URL, env.DATABASE_DRIVER) : undefined;
  return { url: env.DATABASE_URL || undefined, driver, dataDir: env.PGLITE_DIR || undefined };
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<OpenedDatabase> {
  const kind = chooseDriver(options.url, options.driver);
  const migrate = options.migrate ?? true;
  let opened: OpenedDatabase;
  if (kind === 'pglite') opened = await openPglite(options.dataDir ?? DEFAULT_PGLITE_DIR, migrate);
  else if (!options.url) throw new Error(`The ${kind} driver needs a DATABASE_URL`);
  else if (kind === 'postgres') opened = await openNodePostgres(options.url, options.poolMax ?? 10, migrate);
  else opened = await openNeon(options.url, options.poolMax ?? 10, migrate);
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

async function openNodePostgres(url: string, max: number, migrate: boolean): Promise<OpenedDatabase> {
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
  registerRequestConnections(db as unknown as Database, {
    kind: 'session-timeout',
    poolFor: requestPools.poolFor,
    wrap: (client: PooledClient) => {
      // The transaction object drizzle's own transaction() makes, without its BEGIN (see request-connections.ts).
      const session = drizzle({ client: client as never, schema })._.session as unknown as { dialect: never; schema: never };
      return new NodePgTransaction(session.dialect, session as never, session.schema) as unknown as Database;
    },
  });
  return { db: db as unknown as Database, kind: 'postgres', close: once(() => Promise.all([pool.end(), requestPools.end()]).then(() => undefined)) };
}

async function openNeon(url: string, max: number, migrate: boolean): Promise<OpenedDatabase> {
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
  registerRequestConnections(db as unknown as Database, {
    kind: 'transaction',
    pool: pool as unknown as ClientPool,
    wrap: (client: PooledClient) => {
      // The transaction object drizzle's own transaction() makes, without its BEGIN (see request-connections.ts).
      const session = drizzle({ client: client as never, schema })._.session as unknown as { dialect: never; schema: never };
      return new NeonTransaction(session.dialect, session as never, session.schema) as unknown as Database;
    },
  });
  return { db: db as unknown as Database, kind: 'neon', close: once(() => pool.end()) };
}
