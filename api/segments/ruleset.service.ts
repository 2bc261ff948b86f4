/**
 * The edge feed: the compiled ruleset of a workspace's published segments, rebuilt on every
 * publish and archive, stored with an ETag so that Workers revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { rulesets } from '../../drizzle/index.js';
import { compileRuleset, type Ruleset } from '../../schema/ruleset.js';
import { loadPublishedDefinitions } from './definitions.js';

export interface StoredRuleset {
  version: string;
  etag: string;
  body: Ruleset;
}

/** Compiles the published segments of a workspace and stores the result; returns it. */
export async function rebuildRuleset(db: Database, workspaceId: string): Promise<StoredRuleset> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const list = [...definitions.byId.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  // The version names the content: the same published set always gives the same version.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(list.map((d) => [d.slug, d.version, d.scope])))
    .digest('hex')
    .slice(0, 16);
  const body = compileRuleset(
    list.map((d) => ({ slug: d.slug, rule: d.rule, scope: d.scope })),
    { version: fingerprint },
  );
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
  const updatedAt = new Date();
  await db
    .insert(rulesets)
    .values({ workspaceId, version: fingerprint, etag, body, updatedAt })
    .onConflictDoUpdate({ target: rulesets.workspaceId, set: { version: fingerprint, etag, body, updatedAt } });
  return { version: fingerprint, etag, body };
}

/** The stored ruleset of a workspace, compiling it first when there is none yet. */
export async function currentRuleset(db: Database, workspaceId: string): Promise<StoredRuleset> {
  const [row] = await db.select().from(rulesets).where(eq(rulesets.workspaceId, workspaceId));
  if (row) return { version: row.version, etag: row.etag, body: row.body as Ruleset };
  return rebuildRuleset(db, workspaceId);
}
