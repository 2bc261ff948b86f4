import type { Caller } from '../context.js';
import type { Database } from '../db/index.js';

/** What the middleware puts on every request's Hono context. */
export interface ApiEnv {
  Variables: {
    db: Database;
    caller: Caller | null;
    now: Date;
  };
}
