/**
 * Loads a chunk of rows into a temporary staging table inside the chunk's transaction, by the
 * fastest path each driver has: COPY FROM STDIN (pg-copy-streams) on node-postgres, COPY FROM
 * '/dev/blob' on PGlite, and on the Neon serverless driver (whose client has no COPY sub-protocol)
 * one INSERT ... SELECT from json_to_recordset of the whole chunk as a single parameter.
 * Rows are arrays of cells in the table's column order: text, or null.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { entityKind, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';

export type Cell = string | null;

/** A cell in COPY's text format: backslash, tab, line breaks escaped; null as \N. */
function copyCell(cell: Cell): string {
  if (cell === null) return '\\N';
  return /[\\\t\n\r]/.test(cell) ? cell.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : cell;
}

function copyText(rows: readonly Cell[][]): string {
  let text = '';
  for (const row of rows) text += row.map(copyCell).join('\t') + '\n';
  return text;
}

/** The driver's own client under a drizzle transaction (node-postgres PoolClient, PGlite Transaction, Neon client). */
function clientOf(tx: Database): unknown {
  return (tx as unknown as { session: { client: unknown } }).session.client;
}

export type StagingPath = 'copy' | 'pglite-copy' | 'json';

/** Which path `tx` loads by (reported in the bench and the tests). */
export function stagingPath(tx: Database): StagingPath {
  const session = (tx as unknown as { session: { constructor: Record<symbol, unknown> } }).session;
  const kind = session.constructor[entityKind];
  if (kind === 'NodePgSession' && clientOf(tx) instanceof pg.Client) return 'copy';
  if (kind === 'PgliteSession') return 'pglite-copy';
  return 'json';
}

/** A staging column: its name and SQL type (the JSON path casts the text cells to it). */
export type StageColumn = readonly [name: string, type: string];

/** Copies `rows` into `table` (columns `columns`, in that order). */
export async function stageRows(tx: Database, table: string, columns: readonly StageColumn[], rows: readonly Cell[][]): Promise<void> {
  if (rows.length === 0) return;
  const path = stagingPath(tx);
  const names = columns.map(([name]) => name);
  const target = `${table} (${names.join(', ')})`;
  if (path === 'copy') {
    const client = clientOf(tx) as pg.PoolClient;
    const stream = client.query(copyFrom(`copy ${target} from stdin`));
    // Pieces of ~1 MB, so the socket gets data while the rest is still being encoded.
    await pipeline(Readable.from(pieces(rows)), stream);
    return;
  }
  if (path === 'pglite-copy') {
    const client = clientOf(tx) as { query(q: string, p?: unknown[], o?: { blob?: Blob }): Promise<unknown> };
    await client.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([copyText(rows)]) });
    return;
  }
  // Every cell as text, cast to its column's type in SQL (a jsonb cell is JSON text, as in COPY).
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(names.map((c, i) => [c, row[i]]))));
  const casts = columns.map(([name, type]) => `x.${name}::${type}`).join(', ');
  const record = columns.map(([name]) => `${name} text`).join(', ');
  await tx.execute(sql`insert into ${sql.raw(target)} select ${sql.raw(casts)} from json_to_recordset(${json}::json) as x(${sql.raw(record)})`);
}

function* pieces(rows: readonly Cell[][]): Generator<string> {
  const size = 2_000;
  for (let at = 0; at < rows.length; at += size) yield copyText(rows.slice(at, at + size));
}

/**
 * Joins of an events chunk's staging table with profiles probe the unique index (workspace, external id)
 * per staged row instead of hashing every profile of the workspace: the planner prefers the hash
 * join at 200k profiles already (a sequential scan per chunk, so a cost per chunk that grows with the
 * workspace, quadratic over a large import); with it off a chunk costs the same at any size. Turned
 * back on before profilesChanged, whose evaluation plans are its own business. Not for profile
 * chunks: there, with hash joins off, the UPDATE ... FROM and the lock's semi-join planned so badly
 * that a chunk took 4x longer (measured with bench:import).
 */
export async function probeByIndex(tx: Database, on: boolean): Promise<void> {
  for (const setting of ['enable_hashjoin', 'enable_mergejoin']) await tx.execute(sql.raw(on ? `set local ${setting} = off` : `reset ${setting}`));
}
