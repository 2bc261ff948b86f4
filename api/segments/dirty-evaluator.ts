/**
 * Evaluation of dirty profiles (marked by profile-changes.ts) in batches, after the writes commit:
 * the write path only inserts a mark, and the memberships follow within the evaluator's cycle.
 * - `evaluateDirty(db, options)`: one pass, a plain function of the database (a job can call it):
 *   per workspace, claims up to `batchSize` marks, evaluates those profiles against every published
 *   dynamic segment in one statement and applies the differences with their size history
 *   (refreshProfiles), all in one transaction, so a failure leaves the marks for the next pass.
 * - `evaluateProfilesNow`: the same for given profiles, waiting for any evaluator that holds them
 *   (what a mutation's `waitForMemberships` runs after its commit).
 * - `startDirtyEvaluator`: the loop of an API process, woken by this process's commits and polling
 *   for other processes' writes.
 *
 * Claims: a mark is deleted by the transaction that evaluates it. Marks are claimed `for update
 * skip locked` (two evaluators never take the same profile), then the profiles are locked `for
 * share skip locked`: no writer or eraser changes a profile between its evaluation and the commit of
 * its memberships (an erasure cannot be followed by memberships of the erased person); a profile a
 * writer holds is left marked for the next pass (that writer marks it again anyway). A write that
 * marks a profile while an evaluator holds its mark waits for that evaluation to commit and then
 * inserts a fresh mark: it is evaluated again with the new data, never lost. Neither claim waits,
 * so an evaluator never deadlocks with writers (who lock profiles, then marks). A batch holds its
 * workspace's definitions lock shared (lockDefinitions): a publish never interleaves with it.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { executePrepared, placeholder as p, prepareSql, textArrayLiteral } from '../db/prepared.js';
import { dirtyProfiles, profiles } from '../../drizzle/index.js';
import { lockDefinitions, refreshProfiles } from './membership.service.js';
import { dirtyProfilesCommitted, onDirtyProfilesCommitted } from './profile-changes.js';
import { describeForLog } from '../log.js';

export const DEFAULT_DIRTY_BATCH = 1000;

export interface EvaluateDirtyOptions {
  /** Marks claimed per workspace in one transaction (default 1,000; keep it small on PGlite). */
  batchSize?: number;
  /** The instant of the evaluation, epoch ms (default: the clock at the start of the pass). */
  now?: number;
  /** Only this workspace (default: every workspace with marks). */
  workspaceId?: string;
}

export interface DirtyPass {
  /** Profiles evaluated (marks of deleted profiles included). */
  evaluated: number;
  added: number;
  removed: number;
  /** Some workspace had a full batch, or marks held by writers were left: run another pass. */
  more: boolean;
}

const CLAIM = prepareSql(
  'ae_dirty_claim_v1',
  sql`select profile_id as id from ${dirtyProfiles} where workspace_id = ${p('workspaceId')}::uuid
      order by since limit ${p('limit')}::int for update skip locked`,
);

const LOCK_PROFILES = prepareSql(
  'ae_dirty_lock_profiles_v1',
  sql`select id from ${profiles} where id = any(${p('ids')}::uuid[]) order by id for share skip locked`,
);

const EXISTING = prepareSql('ae_dirty_existing_v1', sql`select id from ${profiles} where id = any(${p('ids')}::uuid[])`);

const DELETE_MARKS = prepareSql(
  'ae_dirty_delete_v1',
  sql`delete from ${dirtyProfiles} where workspace_id = ${p('workspaceId')}::uuid and profile_id = any(${p('ids')}::uuid[]) returning profile_id as id`,
);

const WORKSPACES = prepareSql('ae_dirty_workspaces_v1', sql`select distinct workspace_id as id from ${dirtyProfiles}`);

const ids = (rows: ReadonlyArray<Record<string, unknown>>): string[] => rows.map((r) => r.id as string);

/** Claims, evaluates and applies one batch of a workspace's marks in one transaction. */
async function evaluateBatch(db: Database, workspaceId: string, batchSize: number, now: number): Promise<DirtyPass> {
  return inTransaction(db, async (tx) => {
    await lockDefinitions(tx, workspaceId, 'shared');
    const claimed = ids(await executePrepared(tx, CLAIM, { workspaceId, limit: batchSize }));
    if (claimed.length === 0) return { evaluated: 0, added: 0, removed: 0, more: false };
    const locked = new Set(ids(await executePrepared(tx, LOCK_PROFILES, { ids: textArrayLiteral(claimed) })));
    let busy = 0;
    let done = claimed;
    if (locked.size < claimed.length) {
      // Not locked: held by a writer (left marked) or deleted (the mark goes; evaluating it removes any stray membership).
      const rest = claimed.filter((id) => !locked.has(id));
      const existing = new Set(ids(await executePrepared(tx, EXISTING, { ids: textArrayLiteral(rest) })));
      busy = existing.size;
      done = claimed.filter((id) => !existing.has(id));
    }
    if (done.length === 0) return { evaluated: 0, added: 0, removed: 0, more: true };
    await executePrepared(tx, DELETE_MARKS, { workspaceId, ids: textArrayLiteral(done) });
    const { added, removed } = await refreshProfiles(tx, workspaceId, done, now);
    return { evaluated: done.length, added, removed, more: claimed.length === batchSize || busy > 0 };
  });
}

/** One pass over every workspace with marks (or `options.workspaceId`): a batch each. Throws on a database failure. */
export async function evaluateDirty(db: Database, options: EvaluateDirtyOptions = {}): Promise<DirtyPass> {
  const batchSize = options.batchSize ?? DEFAULT_DIRTY_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a whole number >= 1, not ${batchSize}`);
  const now = options.now ?? Date.now();
  const workspaceIds = options.workspaceId ? [options.workspaceId] : ids(await executePrepared(db, WORKSPACES, {}));
  const total: DirtyPass = { evaluated: 0, added: 0, removed: 0, more: false };
  for (const workspaceId of workspaceIds) {
    const pass = await evaluateBatch(db, workspaceId, batchSize, now);
    total.evaluated += pass.evaluated;
    total.added += pass.added;
    total.removed += pass.removed;
    total.more ||= pass.more;
  }
  return total;
}

/**
 * Evaluates `profileIds` now if they are marked, waiting for an evaluator that holds them (it then
 * evaluated them after their write committed). Profiles locked first, then marks, in the writers' order.
 */
export async function evaluateProfilesNow(db: Database, workspaceId: string, profileIds: readonly string[], now: number): Promise<void> {
  if (profileIds.length === 0) return;
  const sorted = textArrayLiteral([...new Set(profileIds)].sort());
  await inTransaction(db, async (tx) => {
    await lockDefinitions(tx, workspaceId, 'shared');
    await tx.execute(sql`select id from ${profiles} where id = any(${sorted}::uuid[]) order by id for share`);
    const marked = ids(await executePrepared(tx, DELETE_MARKS, { workspaceId, ids: sorted }));
    if (marked.length > 0) await refreshProfiles(tx, workspaceId, marked, now);
  });
}

/** What a write may ask for its memberships (the `waitForMemberships` argument of the mutations). */
export interface MembershipWait {
  /** Return only once the written profiles' memberships are current (evaluated in the request). */
  waitForMemberships?: boolean;
}

/**
 * What a writer runs after its transaction committed: wakes this process's evaluators, and with
 * `waitForMemberships` evaluates the written profiles at once. In the request rather than by waiting
 * for the evaluator: it does not depend on an evaluator running (PGlite, a process with none, a
 * backlog), costs what the write-time evaluation cost before, and needs no bound on the wait.
 */
export async function profileChangesCommitted(db: Database, workspaceId: string, profileIds: readonly string[], now: Date, wait: MembershipWait = {}): Promise<void> {
  if (profileIds.length === 0) return;
  dirtyProfilesCommitted();
  if (wait.waitForMemberships) await evaluateProfilesNow(db, workspaceId, profileIds, now.getTime());
}

export interface DirtyEvaluatorOptions {
  batchSize?: number;
  /** How often to look for other processes' marks, ms (default 200). */
  pollMs?: number;
  /** Loops running side by side (default 1): their claims never overlap (skip locked), so more use more cores. */
  concurrency?: number;
  log?: (message: string) => void;
}

export interface DirtyEvaluator {
  /** Stops the loop; resolves when the pass under way (if any) has ended. */
  stop(): Promise<void>;
}

/**
 * Runs evaluateDirty in a loop: passes back to back while there is more, else asleep until a commit
 * of this process wakes it or `pollMs` passes. Never throws: a failing pass is logged and retried
 * after `pollMs`. Between passes it yields to the event loop (on PGlite, requests share its one
 * connection: a small batchSize bounds how long one waits).
 * @example const evaluator = startDirtyEvaluator(db); process.on('SIGTERM', () => void evaluator.stop());
 */
export function startDirtyEvaluator(db: Database, options: DirtyEvaluatorOptions = {}): DirtyEvaluator {
  const pollMs = options.pollMs ?? 200;
  const log = options.log ?? console.error;
  let stopped = false;
  const sleepers = new Set<() => void>();
  const unsubscribe = onDirtyProfilesCommitted(() => {
    for (const wake of sleepers) wake();
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
    });
  const loop = async (): Promise<void> => {
    let woken = false;
    const onCommit = () => {
      woken = true;
    };
    const stopListening = onDirtyProfilesCommitted(onCommit);
    while (!stopped) {
      woken = false;
      let more = false;
      try {
        const pass = await evaluateDirty(db, { batchSize: options.batchSize });
        // Marks held by writers only (nothing evaluated): they mark again on commit, which wakes us.
        more = pass.more && pass.evaluated > 0;
      } catch (error) {
        log(`dirty profile evaluation failed: ${describeForLog(error)}`);
        if (!stopped) await sleep(pollMs);
        continue;
      }
      if (stopped) break;
      if (more || woken) await new Promise((resolve) => setImmediate(resolve));
      else await sleep(pollMs);
    }
    stopListening();
  };
  const running = Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop()));
  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      for (const wake of sleepers) wake();
      await running;
    },
  };
}
