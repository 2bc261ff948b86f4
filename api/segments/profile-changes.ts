/**
 * The one door through which a write says "these profiles changed": upserts, tracked events, edge
 * events and imports call `profilesChanged` inside their transaction. It marks the profiles dirty
 * (dirty_profiles) in that same transaction, so the mark commits exactly when the data does; the
 * dirty evaluator (dirty-evaluator.ts) evaluates them in batches after the commit. A writer calls
 * `dirtyProfilesCommitted()` once its transaction committed, which wakes this process's
 * evaluators at once (other processes' evaluators find the marks by polling).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { executePrepared, placeholder as p, prepareSql, textArrayLiteral } from '../db/prepared.js';
import { dirtyProfiles } from '../../drizzle/index.js';

/**
 * Marks the profiles dirty since `now` (a profile already dirty keeps its row and its earlier
 * instant: `since` is the oldest write not yet evaluated, the claim order). In profile id order: writers lock their profiles in that order (profile-locks.ts), and
 * a dirty row held by an evaluator's claim makes the writer wait for that evaluation to commit, after
 * which its mark is inserted again, so a write during an evaluation is evaluated once more.
 */
export async function profilesChanged(tx: Database, workspaceId: string, profileIds: readonly string[], now: Date): Promise<void> {
  if (profileIds.length === 0) return;
  const ids = [...new Set(profileIds)].sort();
  await executePrepared(tx, MARK_DIRTY, { workspaceId, profileIds: textArrayLiteral(ids), since: now.toISOString() });
}

const MARK_DIRTY = prepareSql(
  'ae_mark_dirty_v1',
  sql`
  insert into ${dirtyProfiles} (workspace_id, profile_id, since)
  select ${p('workspaceId')}::uuid, id, ${p('since')}::timestamptz from unnest(${p('profileIds')}::uuid[]) as ids(id)
  on conflict (workspace_id, profile_id) do nothing`,
);

const wakers = new Set<() => void>();

/** Tells this process's dirty evaluators that marks were committed (call it after the write's commit). */
export function dirtyProfilesCommitted(): void {
  for (const wake of wakers) wake();
}

/** Registers an evaluator's wake-up; returns its removal. */
export function onDirtyProfilesCommitted(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}
