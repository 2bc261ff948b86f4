/**
 * The statement timeout of request queries. A GraphQL query operation (reads only) runs on one
 * connection of its own whose statements stop after the timeout: the timeout never reaches the
 * pool's other users (export builds, recomputes, the refresh scheduler, mutations), and the
 * request holds one connection at most, whatever its aliases. How each driver gets there in the
 * fewest round trips (none extra on node-postgres) is api/db/request-connections.ts.
 *
 * PGlite runs a statement to its end whatever statement_timeout says (measured: a 53 s count ran
 * through a 200 ms timeout) and blocks the event loop while it does: there, the cost budget and the
 * per-key limits are what bound a request, and its statements run on the one connection as they come.
 */
import type { Database } from '../db/index.js';
import { openRequestConnection, readRouterOf } from '../db/request-connections.js';

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
  /** Gives the connection back (a read-only request has nothing to keep). Idempotent. */
  finish(): Promise<void>;
}

/**
 * A connection of `db` whose statements time out after `timeoutMs` (0: no timeout), for one request;
 * on the read replica when one is configured and fresh enough for `workspaceId` (api/db/read-routing.ts).
 */
export async function openRequestTransaction(db: Database, timeoutMs: number, workspaceId?: string): Promise<RequestTransaction> {
  const connection = await openRequestConnection(db, timeoutMs, workspaceId);
  return { db: connection.db, finish: connection.release };
}

/**
 * After a write of `workspaceId` committed (a mutation, a REST write), before its answer is sent: its
 * next reads in this process go to the primary until the replica has replayed it. Nothing without a read URL.
 */
export function noteWorkspaceWrite(db: Database, workspaceId: string): void {
  readRouterOf(db)?.noteWrite(workspaceId);
}
