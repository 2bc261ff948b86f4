/**
 * Erasure tombstones: a keyed hash (HMAC-SHA256) of an erased person's external id, so event
 * ingestion and the edge's reports cannot re-create the profile, while the id itself cannot be
 * recovered from the database (a plain SHA-256 of a guessable id such as 'cust-00042' could be, by
 * trying ids). The key is ERASURE_KEY from the environment (at least 32 characters; set it in
 * production so that the key lives outside the database, and never change it: the tombstones made
 * under the old key stop matching). Without it - the dev and test databases - a random key is
 * generated once and kept in the database's `settings` table.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { textArrayLiteral } from '../db/prepared.js';
import { profileTombstones, settings } from '../../drizzle/index.js';

export const ERASURE_KEY_SETTING = 'erasure_key';
const MIN_KEY_LENGTH = 32;

/** Hashes external ids under the erasure key. */
export type TombstoneHash = (externalId: string) => string;

const keys = new WeakMap<Database, Promise<string>>();

async function loadKey(db: Database, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env.ERASURE_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_KEY_LENGTH) throw new Error(`ERASURE_KEY must be at least ${MIN_KEY_LENGTH} characters`);
    return fromEnv;
  }
  await db.insert(settings).values({ name: ERASURE_KEY_SETTING, value: randomBytes(32).toString('hex') }).onConflictDoNothing();
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.name, ERASURE_KEY_SETTING));
  return row!.value;
}

/** The hash of this database's tombstones (the key is read once per database object and cached). Call it outside a transaction. */
export async function tombstoneHash(db: Database, env: NodeJS.ProcessEnv = process.env): Promise<TombstoneHash> {
  let key = keys.get(db);
  if (!key) {
    key = loadKey(db, env);
    keys.set(db, key);
    key.catch(() => keys.delete(db));
  }
  const secret = await key;
  return (externalId) => createHmac('sha256', secret).update(externalId).digest('hex');
}

/** Leaves the tombstone of an erased external id; returns its hash. */
export async function leaveTombstone(db: Database, workspaceId: string, hash: TombstoneHash, externalId: string, now: Date): Promise<string> {
  const externalIdHmac = hash(externalId);
  await db.insert(profileTombstones).values({ workspaceId, externalIdHmac, erasedAt: now }).onConflictDoUpdate({
    target: [profileTombstones.workspaceId, profileTombstones.externalIdHmac],
    set: { erasedAt: sql`excluded.erased_at` },
  });
  return externalIdHmac;
}

/** The external ids among these that are tombstoned (erased and not upserted since). */
export async function tombstoned(db: Database, workspaceId: string, hash: TombstoneHash, externalIds: readonly string[]): Promise<Set<string>> {
  if (externalIds.length === 0) return new Set();
  const byHash = new Map(externalIds.map((id) => [hash(id), id]));
  const rows = await db
    .select({ h: profileTombstones.externalIdHmac })
    .from(profileTombstones)
    .where(and(eq(profileTombstones.workspaceId, workspaceId), sql`${profileTombstones.externalIdHmac} = any(${textArrayLiteral([...byHash.keys()])}::text[])`));
  return new Set(rows.map((r) => byHash.get(r.h)!));
}

/** Removes the tombstones of these external ids (an explicit upsert creates the person again). */
export async function liftTombstones(db: Database, workspaceId: string, hash: TombstoneHash, externalIds: readonly string[]): Promise<void> {
  if (externalIds.length === 0) return;
  await db
    .delete(profileTombstones)
    .where(and(eq(profileTombstones.workspaceId, workspaceId), sql`${profileTombstones.externalIdHmac} = any(${textArrayLiteral(externalIds.map(hash))}::text[])`));
}
