/**
 * Local development only (`npm start` sets DEV_KEYS_FILE): keeps the demo workspace's admin and
 * edge keys in a git-ignored file so the launcher can wire the Worker on every start. Keys are
 * shown once and stored hashed, so on a database seeded earlier (or a lost/stale file) a fresh
 * admin and edge key pair is minted for the first workspace.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { asc } from 'drizzle-orm';
import { workspaces } from '../drizzle/index.js';
import { authenticate, createApiKey } from './auth/auth.service.js';
import type { Database } from './db/index.js';

export interface DevKeys {
  workspaceId: string;
  adminKey: string;
  edgeKey: string;
}

function readKeys(file: string): DevKeys | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevKeys>;
    return typeof parsed.workspaceId === 'string' && typeof parsed.adminKey === 'string' && typeof parsed.edgeKey === 'string' ? (parsed as DevKeys) : null;
  } catch {
    return null;
  }
}

async function stillValid(db: Database, keys: DevKeys): Promise<boolean> {
  const admin = await authenticate(db, `Bearer ${keys.adminKey}`);
  const edge = await authenticate(db, `Bearer ${keys.edgeKey}`);
  return admin?.role === 'admin' && edge?.role === 'edge' && admin.workspaceId === keys.workspaceId && edge.workspaceId === keys.workspaceId;
}

/** Writes `seeded` keys, or checks the file's keys against the database and mints new ones if needed. */
export async function ensureDevKeys(db: Database, file: string, seeded?: DevKeys): Promise<DevKeys> {
  let keys = seeded ?? readKeys(file);
  if (!keys || (!seeded && !(await stillValid(db, keys)))) {
    const [first] = await db.select({ id: workspaces.id }).from(workspaces).orderBy(asc(workspaces.createdAt)).limit(1);
    if (!first) throw new Error('no workspace to make dev keys for');
    const adminKey = (await createApiKey(db, first.id, 'Local dev admin', 'admin')).key;
    const edgeKey = (await createApiKey(db, first.id, 'Local dev edge worker', 'edge')).key;
    keys = { workspaceId: first.id, adminKey, edgeKey };
    console.log(`Made a new local admin and edge key pair for workspace ${first.id} (saved in ${file}).`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}
