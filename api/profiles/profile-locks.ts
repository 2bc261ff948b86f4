/**
 * Every writer of profiles (upserts, tracked events, edge events) first creates the profiles it
 * needs that do not exist and then locks all the profiles it will touch, in one order for
 * everyone: new externalIds inserted in externalId order, then every row locked (FOR UPDATE) in
 * id order. Two writers of overlapping profiles then wait for each other instead of deadlocking
 * (each waits only for locks "after" the ones it holds), and a writer merges its input into the
 * row as the previous writer committed it, so no field is lost.
 */
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { profiles, type ProfileRow } from '../../drizzle/index.js';

export interface LockedProfiles {
  /** The locked rows, in id order. */
  rows: ProfileRow[];
  /** The externalIds whose profiles this transaction created. */
  created: Set<string>;
  /** The missing externalIds that `refuseNew` kept from being created (they have no row). */
  refused: Set<string>;
}

/**
 * Creates the missing profiles of `externalIds` (but those `refuseNew` names: erased people), then
 * locks those and the profiles `ids` until the end of the transaction `tx`. Ids of other workspaces
 * are simply not among the rows. `newRow` gives the columns of a profile created here (an upsert
 * creates it complete: one tuple and its index entries, instead of an empty row updated at once).
 */
export async function lockProfiles(
  tx: Database,
  workspaceId: string,
  wanted: { externalIds?: readonly string[]; ids?: readonly string[] },
  now: Date,
  refuseNew?: (missing: string[]) => Promise<Set<string>>,
  newRow?: (externalId: string) => Partial<typeof profiles.$inferInsert>,
): Promise<LockedProfiles> {
  const externalIds = [...new Set(wanted.externalIds ?? [])].sort();
  const ids = [...new Set(wanted.ids ?? [])];
  const created = new Set<string>();
  let refused = new Set<string>();
  if (externalIds.length > 0) {
    const existing = await tx
      .select({ externalId: profiles.externalId })
      .from(profiles)
      .where(and(eq(profiles.workspaceId, workspaceId), inArray(profiles.externalId, externalIds)));
    const known = new Set(existing.map((r) => r.externalId));
    const unknown = externalIds.filter((id) => !known.has(id));
    if (refuseNew && unknown.length > 0) refused = await refuseNew(unknown);
    const missing = unknown.filter((id) => !refused.has(id));
    if (missing.length > 0) {
      // Inserted in externalId order: a concurrent creator of the same new ids waits here, in that order.
      const inserted = await tx
        .insert(profiles)
        .values(missing.map((externalId) => ({ ...newRow?.(externalId), workspaceId, externalId, createdAt: now, updatedAt: now })))
        .onConflictDoNothing({ target: [profiles.workspaceId, profiles.externalId] })
        .returning({ externalId: profiles.externalId });
      for (const r of inserted) created.add(r.externalId!);
    }
  }
  const which: SQL[] = [];
  if (externalIds.length > 0) which.push(inArray(profiles.externalId, externalIds));
  if (ids.length > 0) which.push(inArray(profiles.id, ids));
  if (which.length === 0) return { rows: [], created, refused };
  const rows = await tx
    .select()
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), or(...which)))
    .orderBy(profiles.id)
    .for('update');
  return { rows, created, refused };
}
