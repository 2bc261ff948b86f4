/**
 * The periodic time-window pass: only the profiles whose next change instant (profile_due, see
 * due-sql.ts and due-store.ts) has come are evaluated, in batches, against the published dynamic
 * segments that time passing can change (refreshProfiles in scope `time`, isTimeDependent:
 * memberships, size history, and their next instant); the others change only with a write, which
 * the dirty evaluator handles. Its cost follows the number of profiles due, not the population.
 *
 * The first pass of a workspace (profile_due_seeded has no row for it: the table is new, or the
 * workspace is) recomputes every segment (refreshWorkspace) and seeds every profile's instant,
 * set-based; every later evaluation and publish keeps them.
 *
 * Claims, as the dirty evaluator's: due rows `for update skip locked` (two passes never take the
 * same profile), profiles `for share skip locked` (no writer changes one between its evaluation and
 * the commit; one a writer holds is left: that writer marks it dirty). A profile marked dirty is
 * left to the dirty evaluator, which evaluates it against everything at a later instant and
 * rewrites its due instant (so a pass and an evaluator never evaluate the same profile at once). A
 * batch holds its workspace's definitions lock shared, as the evaluator's batches: a publish never
 * interleaves with it. Rows of deleted profiles are dropped.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { executePrepared, placeholder as p, prepareSql, textArrayLiteral } from '../db/prepared.js';
import { dirtyProfiles, profileDue, profileDueSeeded, profiles, workspaces } from '../../drizzle/index.js';
import { loadPublishedDefinitions } from './definitions.js';
import { lowerDue } from './due-store.js';
import { disableJit, lockDefinitions, refreshProfiles, refreshWorkspace } from './membership.service.js';
import { describeForLog } from '../log.js';

export const DEFAULT_DUE_BATCH = 1000;

export interface DuePass {
  /** Due profiles evaluated. */
  evaluated: number;
  added: number;
  removed: number;
  /** The workspace had no instants yet: every segment was recomputed and the instants seeded. */
  seeded: boolean;
}

const CLAIM = prepareSql(
  'ae_due_claim_v1',
  // Profiles marked dirty are the evaluator's (it rewrites their instants): not even claimed.
  sql`select d.profile_id as id from ${profileDue} d where d.workspace_id = ${p('workspaceId')}::uuid and d.due_at <= ${p('now')}::timestamptz
        and not exists (select 1 from ${dirtyProfiles} m where m.workspace_id = d.workspace_id and m.profile_id = d.profile_id)
      order by d.due_at limit ${p('limit')}::int for update of d skip locked`,
);
const LOCK_PROFILES = prepareSql('ae_due_lock_profiles_v1', sql`select id from ${profiles} where id = any(${p('ids')}::uuid[]) order by id for share skip locked`);
const EXISTING = prepareSql('ae_due_existing_v1', sql`select id from ${profiles} where id = any(${p('ids')}::uuid[])`);
const MARKED = prepareSql(
  'ae_due_marked_v1',
  sql`select profile_id as id from ${dirtyProfiles} where workspace_id = ${p('workspaceId')}::uuid and profile_id = any(${p('ids')}::uuid[])`,
);
const DROP = prepareSql('ae_due_drop_v1', sql`delete from ${profileDue} where profile_id = any(${p('ids')}::uuid[])`);
const SEEDED = prepareSql('ae_due_seeded_v1', sql`select 1 as seeded from ${profileDueSeeded} where workspace_id = ${p('workspaceId')}::uuid`);

const ids = (rows: ReadonlyArray<Record<string, unknown>>): string[] => rows.map((r) => r.id as string);

/** Claims and evaluates one batch of due profiles; `claimed` and `progress` (something left the due set) say whether to go on. */
async function dueBatch(db: Database, workspaceId: string, batchSize: number, now: number): Promise<{ claimed: number; progress: number; evaluated: number; added: number; removed: number }> {
  return inTransaction(db, async (tx) => {
    await lockDefinitions(tx, workspaceId, 'shared');
    await disableJit(tx); // the evaluation of a batch is costed high enough for LLVM to compile it at every run
    const claimed = ids(await executePrepared(tx, CLAIM, { workspaceId, now: new Date(now).toISOString(), limit: batchSize }));
    if (claimed.length === 0) return { claimed: 0, progress: 0, evaluated: 0, added: 0, removed: 0 };
    const locked = ids(await executePrepared(tx, LOCK_PROFILES, { ids: textArrayLiteral(claimed) }));
    let gone: string[] = [];
    if (locked.length < claimed.length) {
      const held = new Set(locked);
      const rest = claimed.filter((id) => !held.has(id));
      const existing = new Set(ids(await executePrepared(tx, EXISTING, { ids: textArrayLiteral(rest) })));
      gone = rest.filter((id) => !existing.has(id));
      if (gone.length > 0) await executePrepared(tx, DROP, { ids: textArrayLiteral(gone) });
    }
    const marked = locked.length === 0 ? new Set<string>() : new Set(ids(await executePrepared(tx, MARKED, { workspaceId, ids: textArrayLiteral(locked) })));
    const evaluate = locked.filter((id) => !marked.has(id));
    const { added, removed } = evaluate.length === 0 ? { added: 0, removed: 0 } : await refreshProfiles(tx, workspaceId, evaluate, now, undefined, 'time');
    return { claimed: claimed.length, progress: evaluate.length + gone.length, evaluated: evaluate.length, added, removed };
  });
}

/**
 * Seeds a workspace's due instants: every segment recomputed at `now`, then every profile's next
 * change over every published segment (kept where earlier than one an evaluation stored meanwhile).
 */
export async function seedDue(db: Database, workspaceId: string, now: number): Promise<number> {
  await refreshWorkspace(db, workspaceId, now);
  return seedDueInstants(db, workspaceId, now);
}

/** The second half of seedDue: every profile's instant at `now` (memberships already current at `now`), and the workspace marked seeded. Returns the rows written. */
export async function seedDueInstants(db: Database, workspaceId: string, now: number): Promise<number> {
  return inTransaction(db, async (tx) => {
    await lockDefinitions(tx, workspaceId, 'shared');
    await disableJit(tx);
    // Loaded under the lock: a segment published since the recompute lowered its own instants.
    const definitions = await loadPublishedDefinitions(tx, workspaceId);
    const rules = [...definitions.byId.values()].filter((d) => d.type === 'dynamic').map((d) => d.rule);
    const written = await lowerDue(tx, workspaceId, rules, definitions, now);
    await tx.insert(profileDueSeeded).values({ workspaceId, seededAt: new Date(now) }).onConflictDoNothing();
    return written;
  });
}

/**
 * The time-window pass of one workspace at `now`: every profile due by then evaluated, in batches
 * of `batchSize` (one transaction each), or, the first time, the workspace seeded (seedDue).
 */
export async function refreshDue(db: Database, workspaceId: string, options: DueOptions = {}): Promise<DuePass> {
  const now = options.now ?? Date.now();
  const batchSize = options.batchSize ?? DEFAULT_DUE_BATCH;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a whole number >= 1, not ${batchSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number >= 1, not ${concurrency}`);
  const pass: DuePass = { evaluated: 0, added: 0, removed: 0, seeded: false };
  if ((await executePrepared(db, SEEDED, { workspaceId })).length === 0) {
    await seedDue(db, workspaceId, now);
    pass.seeded = true;
  }
  // Loops side by side claim disjoint batches (skip locked): more cores on PostgreSQL.
  const loop = async (): Promise<void> => {
    for (;;) {
      const batch = await dueBatch(db, workspaceId, batchSize, now);
      pass.evaluated += batch.evaluated;
      pass.added += batch.added;
      pass.removed += batch.removed;
      // A full batch may have more behind it; a batch of profiles all held elsewhere ends the loop
      // (their writers and the dirty evaluator rewrite their instants).
      if (batch.claimed < batchSize || batch.progress === 0) return;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return pass;
}

export interface DueOptions {
  /** The instant of the pass, epoch ms (default: the clock). */
  now?: number;
  /** Profiles per batch, one transaction each (default 1,000; keep it small on PGlite). */
  batchSize?: number;
  /** Batches evaluated side by side, each on its own connection (default 1; PGlite has one). */
  concurrency?: number;
}

/**
 * One pass over every workspace; never throws: a failing workspace is logged and the others still
 * refresh; a pass that cannot start (lost connection) is logged and skipped. Returns the workspaces refreshed.
 */
export function refreshDueAllWorkspaces(db: Database, log: (message: string) => void = console.error, options: DueOptions = {}): Promise<number> {
  return forEachWorkspace(db, log, (id) => refreshDue(db, id, options));
}

/** Runs `refresh` for every workspace in turn, as refreshDueAllWorkspaces describes (also the full recompute's loop). */
export async function forEachWorkspace(db: Database, log: (message: string) => void, refresh: (workspaceId: string) => Promise<unknown>): Promise<number> {
  let all: Array<{ id: string }>;
  try {
    all = await db.select({ id: workspaces.id }).from(workspaces);
  } catch (error) {
    log(`membership refresh skipped: ${describeForLog(error)}`);
    return 0;
  }
  let refreshed = 0;
  for (const { id } of all) {
    try {
      await refresh(id);
      refreshed++;
    } catch (error) {
      log(`membership refresh of workspace ${id} failed: ${describeForLog(error)}`);
    }
  }
  return refreshed;
}
