/**
 * The statement timeout of request queries. A GraphQL query operation (reads only) runs in one
 * transaction of its own that starts with `SET LOCAL statement_timeout`: the timeout ends with the
 * transaction, so it never reaches the pool's other users (export builds, recomputes, the refresh
 * scheduler, mutations), and the request holds one connection at most, whatever its aliases.
 *
 * PGlite runs a statement to its end whatever statement_timeout says (measured: a 53 s count ran
 * through a 200 ms timeout) and blocks the event loop while it does: there, the cost budget and the
 * per-key limits are what bound a request. The transaction still makes its statements one block.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';

/** Default statement timeout of request queries (STATEMENT_TIMEOUT_MS; 0 turns it off). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

export function statementTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.STATEMENT_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_STATEMENT_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`STATEMENT_TIMEOUT_MS must be a whole number of milliseconds >= 0, not '${raw}'`);
  return value;
}

export interface RequestTransaction {
  db: Database;
  /** Commits (a read-only request has nothing to keep; a failed transaction rolls back). Idempotent. */
  finish(): Promise<void>;
}

/** Opens a transaction on `db` whose statements time out after `timeoutMs` (0: no timeout) and hands it out. */
export async function openRequestTransaction(db: Database, timeoutMs: number): Promise<RequestTransaction> {
  let handOut!: (tx: Database) => void;
  let release!: () => void;
  const ready = new Promise<Database>((resolve) => (handOut = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const run = db.transaction(async (tx) => {
    if (timeoutMs > 0) await tx.execute(sql.raw(`set local statement_timeout = ${Math.floor(timeoutMs)}`));
    handOut(tx as unknown as Database);
    await released;
  });
  // A failure to begin (no connection) rejects `run` before the transaction is handed out.
  const ended = run.then(() => Promise.reject(new Error('The request transaction ended before it began')));
  ended.catch(() => undefined); // only matters before the hand-out, through the race below
  const tx = await Promise.race([ready, ended]);
  let finished: Promise<void> | undefined;
  return {
    db: tx,
    finish: () =>
      (finished ??= (release(), run.catch(() => undefined))),
  };
}
