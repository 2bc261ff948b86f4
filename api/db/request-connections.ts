/**
 * One connection per GraphQL query operation, whose statements stop after a timeout, at the least
 * cost in round trips per driver (api/graphql/request-transaction.ts uses it):
 * - node-postgres: a second pool per timeout whose connections carry `statement_timeout` from
 *   their start (a startup parameter, so no statement at all per request). The request checks one
 *   out and gives it back: a listing is one round trip, where BEGIN, SET LOCAL and COMMIT made it
 *   four. At READ COMMITTED a transaction gives a read nothing more (each statement sees its own
 *   snapshot either way), and the timeout never reaches the main pool's users (mutations, export
 *   builds, recomputes).
 * - Neon: its pooler (PgBouncer, transaction mode) shares server connections between clients, so a
 *   session-level setting is not safe there: the request runs in a transaction opened with
 *   `begin; set local statement_timeout = N` in one simple query (one round trip, not two).
 * - PGlite: no timeout (it runs a statement to its end whatever statement_timeout says) and one
 *   connection for everyone: the request uses the database as it is.
 * The handle a request gets behaves as a transaction: a resolver's own `transaction()` (a live count
 * that turns PostgreSQL's JIT off) is a savepoint, and on node-postgres the first one begins the
 * request's transaction, committed when the connection is given back. So resolvers running side by
 * side on the one connection never interleave BEGINs and COMMITs, and no transaction outlives the
 * request. Drizzle handles are made once per pooled connection (building them per request cost more
 * than the listing's SQL); a request gets a thin object over them.
 *
 * With a read URL (DATABASE_READ_URL) the source also has replica pools: a request connection is
 * checked out there when the read router says so (read-routing.ts: up, within the staleness bound,
 * the workspace's own writes replayed), and from the primary when it does not or when the replica
 * connection cannot be opened (the router then marks the replica down). Only query operations
 * and downloads ask for one: mutations and every write transaction use the primary `db` itself.
 */
import type { Database } from './types.js';
import type { ReadRouter, ReadTarget } from './read-routing.js';

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
  /**
   * A drizzle transaction handle (of the driver's own flavour) over one checked-out client, made
   * without sending BEGIN: its `transaction()` makes savepoints.
   */
  wrap(client: PooledClient): Database;
  /** The read URL's side, when one is configured. */
  replica?: ReplicaSource;
};

export interface ReplicaSource {
  router: ReadRouter;
  /** Pools of the read URL: per timeout on node-postgres (as the primary's), one on Neon. */
  poolFor(timeoutMs: number): ClientPool;
  /** A drizzle database over the read URL's own pool (downloads: many statements, no held connection). */
  db: Database;
}

export interface RequestConnection {
  db: Database;
  /** Gives the connection back (commits the transaction on Neon). Idempotent. */
  release(): Promise<void>;
  /** Which server the connection is on. */
  target: ReadTarget;
}

const sources = new WeakMap<Database, RequestConnectionSource>();
const handles = new WeakMap<PooledClient, Database>();

export function registerRequestConnections(db: Database, source: RequestConnectionSource): void {
  sources.set(db, source);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

function handleOf(source: RequestConnectionSource, client: PooledClient): Database {
  let db = handles.get(client);
  if (!db) handles.set(client, (db = source.wrap(client)));
  return db;
}

/**
 * The request's handle over `client`: statements go to the connection; `transaction()` first makes
 * sure the request's transaction has begun (`begin`), then runs as a savepoint in it. Refused once
 * the connection was given back (a resolver still running after the answer must not open a
 * transaction on a connection that is someone else's by then).
 */
function requestHandle(outer: Database, begin: () => Promise<void>, ended: () => boolean): Database {
  const db = Object.create(outer) as Database;
  db.transaction = async (body, config) => {
    if (ended()) throw new Error('The request has ended: its connection was given back');
    await begin();
    return outer.transaction(body, config);
  };
  return db;
}

/**
 * A connection of `db` for one request whose statements time out after `timeoutMs` (0: none), on
 * the replica when the read router allows it for `workspaceId`'s reads, else on the primary.
 * A database that openDatabase did not register (or PGlite) is handed out as it is.
 */
export async function openRequestConnection(db: Database, timeoutMs: number, workspaceId?: string): Promise<RequestConnection> {
  const source = sources.get(db);
  if (!source) return { db, release: async () => undefined, target: 'primary' };
  const timeout = Math.floor(timeoutMs);
  const primaryPool = source.kind === 'session-timeout' ? source.poolFor(timeout) : source.pool;
  let target: ReadTarget = source.replica ? source.replica.router.pick(workspaceId) : 'primary';
  let checkedOut: { client: PooledClient; begun: Promise<unknown> | undefined } | undefined;
  if (target === 'replica') {
    try {
      checkedOut = await checkout(source, source.replica!.poolFor(timeout), timeout);
    } catch (error) {
      // A replica that cannot be reached costs this request nothing but the attempt.
      source.replica!.router.markDown(error);
      target = 'primary';
    }
  }
  checkedOut ??= await checkout(source, primaryPool, timeout);
  source.replica?.router.served(target);
  const { client } = checkedOut;
  let begun = checkedOut.begun;
  let released = false;
  const begin = () => (begun ??= client.query('begin'));
  return {
    target,
    db: requestHandle(handleOf(source, client), () => begin().then(() => undefined), () => released),
    release: once(async () => {
      released = true;
      if (!begun) return client.release();
      try {
        await begun.catch(() => undefined);
        // A transaction a statement failed in (a timeout) is rolled back by its COMMIT.
        await client.query('commit');
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
      }
    }),
  };
}

/** A client of `pool`, in its request transaction on Neon (begun with the timeout in the same round trip). */
async function checkout(source: RequestConnectionSource, pool: ClientPool, timeout: number): Promise<{ client: PooledClient; begun: Promise<unknown> | undefined }> {
  const client = await pool.connect();
  if (source.kind !== 'transaction') return { client, begun: undefined };
  const begun = client.query(timeout > 0 ? `begin; set local statement_timeout = ${timeout}` : 'begin');
  try {
    await begun;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  return { client, begun };
}

/** The read router of `db` (null: no read URL, or PGlite). */
export function readRouterOf(db: Database): ReadRouter | null {
  return sources.get(db)?.replica?.router ?? null;
}

export interface Reader {
  db: Database;
  target: ReadTarget;
}

/**
 * Where reads of `workspaceId` that are not a GraphQL request go (export downloads): the read URL's
 * database when the router allows it, else `db`. The caller falls back to `db` itself when a replica
 * statement fails with a lost connection (after `readRouterOf(db).markDown`).
 */
export function readerOf(db: Database, workspaceId: string): Reader {
  const replica = sources.get(db)?.replica;
  if (!replica) return { db, target: 'primary' };
  const target = replica.router.pick(workspaceId);
  replica.router.served(target);
  return target === 'replica' ? { db: replica.db, target } : { db, target };
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
