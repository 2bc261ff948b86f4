/**
 * Raw SQL compiled to text once and run as a named prepared statement: no SQL built in JavaScript
 * per call, and on node-postgres and Neon parsed once per connection (and, after a few runs,
 * planned once: PostgreSQL keeps a generic plan when it costs no more than the custom ones).
 * PGlite has no named statements: its driver runs the same text with the parameters.
 */
import { sql, type Query, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, RowsResult } from './types.js';

export interface PreparedSql {
  /** The statement name; it must stand for one text only (a connection refuses a name reused for another). */
  name: string;
  query: Query;
}

const dialect = new PgDialect();

/**
 * Compiles `statement`, whose varying values are `sql.placeholder(name)`s, to text.
 * @example const byId = prepareSql('profile_by_id_v1', sql`select * from profiles where id = ${sql.placeholder('id')}::uuid`);
 */
export function prepareSql(name: string, statement: SQL): PreparedSql {
  return { name, query: dialect.sqlToQuery(statement) };
}

/** Runs a compiled statement on `db` (a database or a transaction) with the placeholders' values. */
export async function executePrepared(db: Database, statement: PreparedSql, values: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  const prepared = db._.session.prepareQuery({ sql: statement.query.sql, params: statement.query.params }, undefined, statement.name, false);
  return ((await prepared.execute(values)) as RowsResult<Record<string, unknown>>).rows;
}

/**
 * Runs a compiled statement unnamed: planned for the values of each run (a custom plan), never
 * from a cached generic plan. For statements whose best plan depends on the size of an array
 * parameter, which a generic plan cannot know (it assumes ten elements).
 */
export async function executeCustom(db: Database, statement: PreparedSql, values: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  const prepared = db._.session.prepareQuery({ sql: statement.query.sql, params: statement.query.params }, undefined, undefined, false);
  return ((await prepared.execute(values)) as RowsResult<Record<string, unknown>>).rows;
}

/** A placeholder, for short statement texts. */
export const placeholder = (name: string) => sql.placeholder(name);

/**
 * A PostgreSQL array literal of strings for one array parameter, every element double-quoted with
 * `\` and `"` escaped (so a malformed value is an error of the cast, never SQL).
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
