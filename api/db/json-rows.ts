/**
 * Many rows as ONE parameter: a JSON array that `jsonb_populate_recordset` turns back into rows of
 * the table's type. A multi-row `values (...)` list binds one parameter per cell (20,000 for 1,000
 * profiles), which PostgreSQL parses and plans for longer than it takes to insert the rows, and
 * drizzle's builder spends about as long again assembling it; one JSON text costs neither.
 */
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/** A JSON value for a cell: Dates as ISO instants (timestamptz), undefined as null, the rest as is. */
const cell = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value === undefined ? null : value);

/**
 * `rows` as a relation `r` of `table`'s row type (one JSON parameter), with their position in
 * `r.ordinality`: `select ... from ${jsonRows(...)}`. Only the columns `keys` are filled; the
 * others are null in `r` (name the columns you insert or update explicitly).
 * @example sql`insert into profiles (email) select r.email from ${jsonRows(profiles, ['email'], rows)}`
 */
export function jsonRows<T extends PgTable>(table: T, keys: ReadonlyArray<keyof T['_']['columns'] & string>, rows: ReadonlyArray<Record<string, unknown>>): SQL {
  const columns = getTableColumns(table);
  const names = keys.map((key) => [key, columns[key]!.name] as const);
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(names.map(([key, name]) => [name, cell(row[key])]))));
  return sql`jsonb_populate_recordset(null::${sql.identifier(getTableName(table))}, ${json}::jsonb) with ordinality as r`;
}

/** The database column names of `keys`, comma-separated, for an insert's column list (`prefix.` before each when given). */
export function columnList<T extends PgTable>(table: T, keys: ReadonlyArray<keyof T['_']['columns'] & string>, prefix?: string): SQL {
  const columns = getTableColumns(table);
  return sql.join(
    keys.map((key) => (prefix ? sql`${sql.identifier(prefix)}.${sql.identifier(columns[key]!.name)}` : sql.identifier(columns[key]!.name))),
    sql`, `,
  );
}
