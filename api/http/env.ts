import type { Caller } from '../context.js';
import type { Database } from '../db/index.js';
import type { JobQueue } from '../jobs/jobs.js';
import type { InstanceCheck } from '../admin/instance-token.js';

/** What the middleware puts on every request's Hono context. */
export interface ApiEnv {
  Variables: {
    db: Database;
    jobs: JobQueue;
    caller: Caller | null;
    /** Whether the bearer is the instance admin token (never a workspace key). */
    instance: InstanceCheck;
    now: Date;
  };
}
