/**
 * Every writer of profiles (upserts, tracked events, edge events) first creates the profiles it
 * needs that do not exist and then locks all the profiles it will touch, in one order for
 * everyone: new externalIds inserted in externalId order, then every row locked (FOR UPDATE) in
 * id order. Two writers of overlapping profiles then wait for each other instead of deadlocking
 * (each waits only for locks "after" the ones it holds), and a writer merges its input into the
 * row as the previous writer committed it, so no field is lost.
 */
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { textArrayLiteral } from '../db/prepared.js';
import { columnList, jsonRows } from '../db/json-rows.js';
import { profiles, type ProfileRow } from '../../drizzle/index.js';

type ProfileKey = keyof typeof profiles._.columns & string;

/** One array parameter (not a parameter per element: a list of 1,000 is parsed and planned for long). */
const anyOf = (column: SQL, values: readonly string[], type: 'text' | 'uuid') => sql`${column} = any(${textArrayLiteral(values)}::${sql.raw(type)}[])`;

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
 * creates it complete: one tuple and its index entries, instead of an empty row updated at once);
 * every row it gives must have the same keys (a key it leaves out is null, not the column default).
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
      .where(and(eq(profiles.workspaceId, workspaceId), anyOf(sql`${profiles.externalId}`, externalIds, 'text')));
    const known = new Set(existing.map((r) => r.externalId));
    const unknown = externalIds.filter((id) => !known.has(id));
    if (refuseNew && unknown.length > 0) refused = await refuseNew(unknown);
    const missing = unknown.filter((id) => !refused.has(id));
    if (missing.length > 0) {
      // Inserted in externalId order: a concurrent creator of the same new ids waits here, in that order.
      // One statement with the rows as one JSON parameter (json-rows.ts), in that order.
      const values = missing.map((externalId) => ({ ...newRow?.(externalId), workspaceId, externalId, createdAt: now, updatedAt: now }));
      const keys = Object.keys(values[0]!).filter((k) => k !== 'id') as ProfileKey[];
      const { rows: inserted } = await tx.execute<{ external_id: string }>(sql`
        insert into ${profiles} (${columnList(profiles, keys)})
        select ${columnList(profiles, keys, 'r')} from ${jsonRows(profiles, keys, values)} order by r.ordinality
        on conflict (workspace_id, external_id) do nothing
        returning external_id`);
      for (const r of inserted) created.add(r.external_id);
    }
  }
  const which: SQL[] = [];
  if (externalIds.length > 0) which.push(anyOf(sql`${profiles.externalId}`, externalIds, 'text'));
  if (ids.length > 0) which.push(anyOf(sql`${profiles.id}`, ids, 'uuid'));
  if (which.length === 0) return { rows: [], created, refused };
  const rows = await tx
    .select()
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), or(...which)))
    .orderBy(profiles.id)
    .for('update');
  return { rows, created, refused };
}
