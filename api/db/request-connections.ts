/**
 * One connection per GraphQL query operation, whose statements stop after a timeout, at the least
 * cost in round trips per driver (api/graphql/request-transaction.ts uses it):
 * - node-postgres: a second pool per timeout whose connections carry `statement_timeout` from
 *   their start (a startup parameter, so no statement at all per request). The request checks one
 *   out and gives it back: no BEGIN, SET LOCAL or COMMIT. At READ COMMITTED a transaction gave a
 *   read-only request nothing more (each statement sees its own snapshot either way), and the
 *   timeout never reaches the main pool's users (mutations, export builds, recomputes).
 * - Neon: its pooler (PgBouncer, transaction mode) shares server connections between clients, so a
 *   session-level setting is not safe there: a transaction as before, but opened with
 *   `begin; set local statement_timeout = N` in one simple query (one round trip, not two).
 * - PGlite: no timeout (it runs a statement to its end whatever statement_timeout says) and one
 *   connection for everyone: the request uses the database as it is.
 * Drizzle handles are made once per pooled connection (building one per request costs more than
 * the listing's SQL), so the prepared statements keyed by handle live as long as their connection.
 */
import type { Database } from './types.js';

/** The part of a pg / Neon pooled client used here. */
export interface PooledClient {
  query(text: string): Promise<unknown>;
  release(error?: Error | boolean): void;
}

export interface ClientPool {
  connect(): Promise<PooledClient>;
  end(): Promise<void>;
}

/** How a database registered by openDatabase gives request connections. */
export type RequestConnectionSource = (
  | { kind: 'session-timeout'; poolFor(timeoutMs: number): ClientPool }
  | { kind: 'transaction'; pool: ClientPool }
) & {
  /** A drizzle handle (of the driver's own flavour) over one checked-out client. */
  wrap(client: PooledClient): Database;
};

export interface RequestConnection {
  db: Database;
  /** Gives the connection back (commits the transaction on Neon). Idempotent. */
  release(): Promise<void>;
}

const sources = new WeakMap<Database, RequestConnectionSource>();
const handles = new WeakMap<PooledClient, Database>();

export function registerRequestConnections(db: Database, source: RequestConnectionSource): void {
  sources.set(db, source);
}

function handleOf(source: RequestConnectionSource, client: PooledClient): Database {
  let db = handles.get(client);
  if (!db) handles.set(client, (db = source.wrap(client)));
  return db;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/**
 * A connection of `db` for one request whose statements time out after `timeoutMs` (0: none).
 * A database that openDatabase did not register (or PGlite) is handed out as it is.
 */
export async function openRequestConnection(db: Database, timeoutMs: number): Promise<RequestConnection> {
  const source = sources.get(db);
  if (!source) return { db, release: async () => undefined };
  if (source.kind === 'session-timeout') {
    const client = await source.poolFor(Math.floor(timeoutMs)).connect();
    return { db: handleOf(source, client), release: once(async () => client.release()) };
  }
  const client = await source.pool.connect();
  try {
    await client.query(timeoutMs > 0 ? `begin; set local statement_timeout = ${Math.floor(timeoutMs)}` : 'begin');
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  return {
    db: handleOf(source, client),
    release: once(async () => {
      try {
        // A transaction a statement failed in (a timeout) is rolled back by its COMMIT.
        await client.query('commit');
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
      }
    }),
  };
}

/** The pools per timeout of a node-postgres database, made when first asked for and ended by `end`. */
export function timeoutPools(make: (timeoutMs: number) => ClientPool): { poolFor(timeoutMs: number): ClientPool; end(): Promise<void> } {
  const pools = new Map<number, ClientPool>();
  return {
    poolFor(timeoutMs) {
      let pool = pools.get(timeoutMs);
      if (!pool) pools.set(timeoutMs, (pool = make(timeoutMs)));
      return pool;
    },
    async end() {
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      pools.clear();
    },
  };
}
