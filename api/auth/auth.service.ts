/**
 * Workspaces and API keys: create (secret shown once), list, revoke, and authenticate a bearer
 * header into a Caller. `lastUsedAt` is written at most once a minute per key.
 *
 * Authentication keeps valid keys in a small in-process cache (by key hash, for
 * AUTH_CACHE_TTL_MS) so that a busy client does not cost a database round trip per request.
 * Revoking a key through this process (revokeApiKey) drops it from the cache at once; a key
 * revoked by another process (another API instance, SQL) is refused within AUTH_CACHE_TTL_MS.
 */
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { Caller } from '../context.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { apiKeys, workspaces, type ApiKeyRow, type ApiRole, type WorkspaceRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { displayPrefix, generateSecret, hashSecret, secretFromHeader } from './keys.js';

const LAST_USED_RESOLUTION_MS = 60_000;

/** How long a key found valid is trusted without asking the database again (see the header). */
export const AUTH_CACHE_TTL_MS = 5_000;
const AUTH_CACHE_MAX_ENTRIES = 10_000;

interface CachedKey {
  db: Database;
  caller: Caller;
  /** What this process knows of the key's lastUsedAt (ms), to write it at most once a minute. */
  lastUsedAt: number | null;
  /** performance.now() after which the database is asked again. */
  expires: number;
}

/** Valid keys by sha256 of the secret. */
const keyCache = new Map<string, CachedKey>();
/** Bumped by every revocation: a lookup that started before one does not fill the cache. */
let keyCacheGeneration = 0;

function forgetKey(id: string): void {
  keyCacheGeneration++;
  for (const [hash, entry] of keyCache) if (entry.caller.keyId === id) keyCache.delete(hash);
}

/**
 * Drops every cached key of a workspace (it is being deleted): called before its keys are deleted
 * (no lookup in flight may cache one) and after (nothing cached survives), as revokeApiKey does.
 */
export function forgetWorkspaceKeys(workspaceId: string): void {
  keyCacheGeneration++;
  for (const [hash, entry] of keyCache) if (entry.caller.workspaceId === workspaceId) keyCache.delete(hash);
}

export interface CreatedKey {
  /** The secret: returned once, never stored. */
  key: string;
  apiKey: ApiKeyRow;
}

export function checkName(name: string, path: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new BadInputError(`${path}: give a name of 1 to 200 characters`, { problems: [{ path, message: 'invalid name' }] });
  }
  return trimmed;
}

export async function createApiKey(db: Database, workspaceId: string, name: string, role: ApiRole, now = new Date()): Promise<CreatedKey> {
  const key = generateSecret();
  const [apiKey] = await db
    .insert(apiKeys)
    .values({ workspaceId, name: checkName(name, 'name'), role, keyHash: hashSecret(key), prefix: displayPrefix(key), createdAt: now })
    .returning();
  return { key, apiKey: apiKey! };
}

/** A new workspace with its first admin key. */
export async function createWorkspace(db: Database, name: string, now = new Date()): Promise<{ workspace: WorkspaceRow; adminKey: string; apiKey: ApiKeyRow }> {
  const checked = checkName(name, 'name');
  return db.transaction(async (tx) => {
    const [workspace] = await tx.insert(workspaces).values({ name: checked, createdAt: now }).returning();
    const { key, apiKey } = await createApiKey(tx, workspace!.id, 'Admin', 'admin', now);
    return { workspace: workspace!, adminKey: key, apiKey };
  });
}

export async function revokeApiKey(db: Database, workspaceId: string, id: string, now = new Date()): Promise<ApiKeyRow> {
  // Before (no lookup in flight may cache the key) and after the update (nothing cached survives it).
  forgetKey(id);
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId)))
    .returning();
  forgetKey(id);
  if (!row) throw new NotFoundError(`No API key with id ${id}`);
  return row;
}

export async function listApiKeys(db: Database, workspaceId: string, page: PageRequest): Promise<Connection<ApiKeyRow>> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), afterPosition(apiKeys.createdAt, apiKeys.id, page.after, 'desc')))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}

export async function getWorkspace(db: Database, workspaceId: string): Promise<WorkspaceRow> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!row) throw new NotFoundError('The workspace no longer exists');
  return row;
}

/**
 * The caller of an `Authorization` header: null when there is none, or when the key is malformed,
 * unknown or revoked (the resolvers then answer UNAUTHENTICATED).
 */
export async function authenticate(db: Database, header: string | null | undefined, now = new Date()): Promise<Caller | null> {
  const secret = secretFromHeader(header);
  if (!secret) return null;
  const keyHash = hashSecret(secret);
  const cached = keyCache.get(keyHash);
  if (cached && cached.db === db && cached.expires > performance.now()) {
    if (cached.lastUsedAt === null || now.getTime() - cached.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      cached.lastUsedAt = now.getTime();
      await touchLastUsed(db, cached.caller.keyId, now);
    }
    return { ...cached.caller };
  }
  const generation = keyCacheGeneration;
  const [row] = await db
    .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId, role: apiKeys.role, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
  if (!row) {
    if (cached) keyCache.delete(keyHash);
    return null;
  }
  const caller: Caller = { keyId: row.id, workspaceId: row.workspaceId, role: row.role };
  let lastUsedAt = row.lastUsedAt?.getTime() ?? null;
  if (lastUsedAt === null || now.getTime() - lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    lastUsedAt = now.getTime();
    await touchLastUsed(db, row.id, now);
  }
  if (generation === keyCacheGeneration) {
    keyCache.delete(keyHash);
    if (keyCache.size >= AUTH_CACHE_MAX_ENTRIES) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(keyHash, { db, caller: Object.freeze({ ...caller }), lastUsedAt, expires: performance.now() + AUTH_CACHE_TTL_MS });
  }
  return caller;
}

/** Sets lastUsedAt unless another request did within the last minute. */
async function touchLastUsed(db: Database, id: string, now: Date): Promise<void> {
  const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
}
