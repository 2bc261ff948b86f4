/**
 * Test databases: PGlite in memory, a fresh uniquely named database on the real PostgreSQL server
 * (TEST_DATABASE_URL), or that same kind of database reached through the Neon serverless driver via
 * the local relay. One database per test file and kind (`describeEachDatabase`), never one per test.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Database, type DatabaseKind } from '../../api/db/index.js';
import { startNeonRelay, useNeonRelay } from './neon-relay.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = 'ae_test_';
/** Databases of crashed runs older than this are dropped when a new one is made. */
const STALE_MS = 6 * 3600_000;

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  close(): Promise<void>;
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is unreachable at ${TEST_DATABASE_URL} (${reason}). The API tests need it (CI guarantees it): ` +
        'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set TEST_DATABASE_URL.',
    );
  }
  return client;
}

async function dropStale(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PREFIX}%`]);
  for (const { datname } of rows) {
    const started = Number(datname.slice(PREFIX.length).split('_')[0]);
    if (Number.isFinite(started) && Date.now() - started > STALE_MS) {
      await client.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    }
  }
}

/** Creates a fresh database on the test server; returns its URL and a function that drops it. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const client = await adminClient();
  const name = `${PREFIX}${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
  try {
    await dropStale(client);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = await adminClient();
      try {
        await admin.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const opened = await openDatabase({ driver: 'pglite', dataDir: 'memory://' });
    return { db: opened.db, kind, close: opened.close };
  }
  const server = await createServerDatabase();
  if (kind === 'postgres') {
    const opened = await openDatabase({ driver: 'postgres', url: server.url, poolMax: 5 }).catch(async (error: unknown) => {
      await server.drop();
      throw error;
    });
    return {
      db: opened.db,
      kind,
      close: async () => {
        await opened.close();
        await server.drop();
      },
    };
  }
  const relay = await startNeonRelay();
  await useNeonRelay(relay);
  try {
    const opened = await openDatabase({ driver: 'neon', url: server.url, poolMax: 5 });
    return {
      db: opened.db,
      kind,
      close: async () => {
        await opened.close();
        await relay.close();
        await server.drop();
      },
    };
  } catch (error) {
    await relay.close();
    await server.drop();
    throw error;
  }
}

/** The database of the running suite; `db` is available from `beforeAll` on. */
export interface SuiteDatabase {
  readonly kind: DatabaseKind;
  readonly db: Database;
}

export const DEFAULT_KINDS: readonly DatabaseKind[] = ['pglite', 'postgres'];

/**
 * Runs `fn` once per database kind (default PGlite and PostgreSQL), each with one database shared by
 * the tests of this file. Register your own `beforeAll` inside `fn` to seed it.
 */
export function describeEachDatabase(
  name: string,
  fn: (suite: SuiteDatabase) => void,
  kinds: readonly DatabaseKind[] = DEFAULT_KINDS,
): void {
  for (const kind of kinds) {
    describe(`${name} [${kind}]`, () => {
      let opened: TestDatabase | undefined;
      beforeAll(async () => {
        opened = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await opened?.close();
      });
      fn({
        kind,
        get db(): Database {
          if (!opened) throw new Error('The test database is not open yet: use it inside beforeAll/it, not at collection time');
          return opened.db;
        },
      });
    });
  }
}
