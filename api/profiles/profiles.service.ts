/** Reading profiles (by id or externalId, paged) and erasing one. */
import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { profileErasures, profiles, type ProfileRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { asUuid } from '../graphql/ids.js';

export interface ProfileKey {
  id?: string | null;
  externalId?: string | null;
}

function whereKey(workspaceId: string, key: ProfileKey) {
  const hasId = key.id !== undefined && key.id !== null;
  const hasExternal = key.externalId !== undefined && key.externalId !== null;
  if (hasId === hasExternal) throw new BadInputError('Give exactly one of id and externalId', { problems: [{ path: 'id', message: 'give id or externalId' }] });
  return hasId
    ? and(eq(profiles.workspaceId, workspaceId), eq(profiles.id, asUuid(key.id!, 'profile')))
    : and(eq(profiles.workspaceId, workspaceId), eq(profiles.externalId, key.externalId!));
}

function notFound(key: ProfileKey): NotFoundError {
  return new NotFoundError(key.id ? `No profile with id ${key.id}` : `No profile with externalId '${String(key.externalId).slice(0, 80)}'`);
}

export async function getProfile(db: Database, workspaceId: string, key: ProfileKey): Promise<ProfileRow> {
  const [row] = await db.select().from(profiles).where(whereKey(workspaceId, key));
  if (!row) throw notFound(key);
  return row;
}

export async function listProfiles(db: Database, workspaceId: string, page: PageRequest): Promise<Connection<ProfileRow>> {
  const rows = await db
    .select()
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), afterPosition(profiles.createdAt, profiles.id, page.after, 'asc')))
    .orderBy(asc(profiles.createdAt), asc(profiles.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}

export function externalIdHash(externalId: string): string {
  return createHash('sha256').update(externalId).digest('hex');
}

/**
 * Erasure: leaves a tombstone (sha256 of the externalId, never the id itself, so later delta
 * exports can send the removal) and deletes the profile; its events, visitor ids and segment
 * memberships go with it (ON DELETE CASCADE).
 */
export async function deleteProfile(db: Database, workspaceId: string, key: ProfileKey, now = new Date()): Promise<{ id: string; externalIdHash: string | null }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(whereKey(workspaceId, key)).for('update');
    if (!row) throw notFound(key);
    const hash = row.externalId === null ? null : externalIdHash(row.externalId);
    await tx.insert(profileErasures).values({ workspaceId, profileId: row.id, externalIdHash: hash, erasedAt: now }).onConflictDoNothing();
    await tx.delete(profiles).where(eq(profiles.id, row.id));
    return { id: row.id, externalIdHash: hash };
  });
}
