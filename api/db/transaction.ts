/**
 * A transaction that PostgreSQL rolled back for a serialization failure or a deadlock (40001,
 * 40P01) is run again, whole, a few times with a short random backoff: the loser of a conflict
 * between concurrent writers succeeds on its next attempt instead of failing the request.
 * Only top-level transactions are retried; inside a transaction (a savepoint) the outer one is.
 * The body must therefore have no effect outside the database (it may run more than once).
 */
import { is } from 'drizzle-orm';
import { PgTransaction, type PgTransactionConfig } from 'drizzle-orm/pg-core';
import type { Database } from './types.js';
import { isTransactionConflict } from './failures.js';

export const TRANSACTION_ATTEMPTS = 6;

export async function inTransaction<T>(db: Database, body: (tx: Database) => Promise<T>, config?: PgTransactionConfig): Promise<T> {
  if (is(db, PgTransaction)) return db.transaction(body);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(body, config);
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionConflict(error)) throw error;
      // 2, 4, 8 ... ms, each with full jitter, so the writers that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt));
    }
  }
}
