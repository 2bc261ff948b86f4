/**
 * Recognises database failures by what the drivers report: a lost connection (the request may be
 * retried as it is) and a transaction that lost a serialization or deadlock conflict (the whole
 * transaction may be run again). Drizzle wraps driver errors (DrizzleQueryError, `cause`), so
 * the chain of causes is searched.
 */

/** SQLSTATEs of a connection that is gone: class 08 plus the shutdown and crash codes of 57P. */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '57P05']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Messages of node-postgres and Neon's driver (its bundled copy of it, and its WebSocket). */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|terminating connection due to|server closed the connection unexpectedly|timeout exceeded when trying to connect|WebSocket (was )?closed|Connection ended unexpectedly/i;

/** Serialization failure and deadlock: PostgreSQL rolled the transaction back; running it again is safe. */
const CONFLICT_STATES = new Set(['40001', '40P01']);

function* causes(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    yield current as { code?: unknown; message?: unknown };
    // Drizzle wraps in `cause`; graphql-js (an error raised in an Apollo plugin hook) in `originalError`.
    const wrapper = current as { cause?: unknown; originalError?: unknown };
    current = wrapper.cause ?? wrapper.originalError;
  }
}

/** True when `error` (or one of its causes) says the database connection was lost. */
export function isConnectionLoss(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if ((code.length === 5 && code.startsWith('08')) || CONNECTION_STATES.has(code) || NETWORK_CODES.has(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** True when `error` (or one of its causes) is a serialization failure or a deadlock (40001, 40P01). */
export function isTransactionConflict(error: unknown): boolean {
  for (const e of causes(error)) if (typeof e.code === 'string' && CONFLICT_STATES.has(e.code)) return true;
  return false;
}
