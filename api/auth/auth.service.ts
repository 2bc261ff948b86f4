/**
 * Workspaces and API keys: create (secret shown once), list, revoke, and authenticate a bearer
 * header into a Caller. `lastUsedAt` is written at most once a minute per key.
 */
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { Caller } from '../context.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { apiKeys, workspaces, type ApiKeyRow, type ApiRole, type WorkspaceRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { displayPrefix, generateSecret, hashSecret, secretFromHeader } from './keys.js';

const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedKey {
  /** The secret: returned once, never stored. */
  key: string;
  apiKey: ApiKeyRow;
}

function checkName(name: string, path: string): string {
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
export async function createWorkspace(db: Database, name: string, now = new Date()): Promise<{ workspace: WorkspaceRow; adminKey: string }> {
  return db.transaction(async (tx) => {
    const [workspace] = await tx.insert(workspaces).values({ name: checkName(name, 'name'), createdAt: now }).returning();
    const { key } = await createApiKey(tx, workspace!.id, 'Admin', 'admin', now);
    return { workspace: workspace!, adminKey: key };
  });
}

export async function revokeApiKey(db: Database, workspaceId: string, id: string, now = new Date()): Promise<ApiKeyRow> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId)))
    .returning();
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
  const [row] = await db
    .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId, role: apiKeys.role, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashSecret(secret)), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
  }
  return { keyId: row.id, workspaceId: row.workspaceId, role: row.role };
}
