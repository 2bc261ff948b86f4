import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from '../../drizzle/index.js';
import type { ReadRoutingOptions } from './read-routing.js';

/**
 * What `db.execute()` returns on all three drivers: PGlite, node-postgres and Neon all give `rows`.
 * Services rely on nothing more.
 */
export interface DbQueryResultHKT extends PgQueryResultHKT {
  type: RowsResult<this['row']>;
}

export interface RowsResult<TRow> {
  rows: TRow[];
}

/**
 * The one database type services take: a drizzle pg database (or a transaction of one) over the
 * schema of drizzle/, whichever driver is underneath.
 */
export type Database = PgDatabase<DbQueryResultHKT, typeof schema>;

export type DatabaseKind = 'pglite' | 'postgres' | 'neon';

export interface OpenedDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Closes the pool or the embedded database. Idempotent. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; absent -> embedded PGlite. */
  url?: string;
  /** Forces a driver; 'neon' is also chosen for hosts ending in neon.tech. */
  driver?: DatabaseKind;
  /** PGlite data folder (default `.data/pglite`); `memory://` for an in-memory database. */
  dataDir?: string;
  /** Apply drizzle/migrations before returning (default true). */
  migrate?: boolean;
  /** Pool size for postgres / neon (default 10). */
  poolMax?: number;
  /**
   * A read URL (DATABASE_READ_URL: a streaming replica of `url`, a Neon read replica), reached with
   * the same driver: GraphQL query operations and export downloads read there while it is up and
   * fresh enough (api/db/read-routing.ts). Refused with PGlite.
   */
  readUrl?: string;
  /** How the reads are routed (staleness bound, probe interval). */
  readRouting?: ReadRoutingOptions;
}
