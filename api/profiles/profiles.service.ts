/** Reading profiles (by id or externalId, paged) and erasing one. */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { profiles, type ProfileRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { asUuid } from '../graphql/ids.js';
import { eraseFromExports } from '../exports/erasure.js';
import { leaveTombstone, tombstoneHash } from './tombstones.js';
import { forgetProfileEvents } from '../events/seen.js';

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

/**
 * Erasure, in one transaction: the profile goes with its events, visitor ids, export identifiers
 * and memberships (foreign keys and triggers), every line of it in stored export files goes with
 * one hashed removal kept for the next DELTA of each segment and destination (exports/erasure.ts),
 * and a tombstone - the keyed hash of the externalId, never the id - stops events and the edge
 * from creating the profile again (tombstones.ts). Returns the tombstone's hash.
 */
export async function deleteProfile(db: Database, workspaceId: string, key: ProfileKey, now = new Date()): Promise<{ id: string; externalIdHash: string | null }> {
  const hash = await tombstoneHash(db);
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(whereKey(workspaceId, key)).for('update');
    if (!row) throw notFound(key);
    const tombstone = row.externalId === null ? null : await leaveTombstone(tx, workspaceId, hash, row.externalId, now);
    await eraseFromExports(tx, workspaceId, row.id);
    await forgetProfileEvents(tx, workspaceId, row.id);
    await tx.delete(profiles).where(eq(profiles.id, row.id));
    return { id: row.id, externalIdHash: tombstone };
  });
}
