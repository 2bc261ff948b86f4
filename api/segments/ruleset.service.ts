/**
 * The edge feed: the compiled ruleset of a workspace's published segments, rebuilt on every
 * publish and archive, stored with an ETag so that Workers revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { rulesets, segmentSplits } from '../../drizzle/index.js';
import { compileRuleset, type Ruleset, type RulesetSplit } from '../../schema/ruleset.js';
import { loadPublishedDefinitions, type PublishedDefinitions } from './definitions.js';

export interface StoredRuleset {
  version: string;
  etag: string;
  body: Ruleset;
}

/** The A/B splits of the published segments, by segment slug then split name. */
async function publishedSplits(db: Database, workspaceId: string, definitions: PublishedDefinitions): Promise<RulesetSplit[]> {
  const rows = await db
    .select({ segmentId: segmentSplits.segmentId, name: segmentSplits.name, variants: segmentSplits.variants })
    .from(segmentSplits)
    .where(eq(segmentSplits.workspaceId, workspaceId))
    .orderBy(asc(segmentSplits.createdAt));
  const splits: RulesetSplit[] = [];
  for (const row of rows) {
    const segment = definitions.byId.get(row.segmentId);
    if (segment) splits.push({ segment: segment.slug, name: row.name, variants: row.variants });
  }
  return splits.sort((a, b) => a.segment.localeCompare(b.segment) || a.name.localeCompare(b.name));
}

/** Compiles the published segments of a workspace (with their A/B splits) and stores the result; returns it. */
export async function rebuildRuleset(db: Database, workspaceId: string): Promise<StoredRuleset> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const list = [...definitions.byId.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  const splits = await publishedSplits(db, workspaceId, definitions);
  // The version names the content: the same published set (and splits) always gives the same
  // version; splits count only when there are some, so versions without any are as before.
  const published = list.map((d) => [d.slug, d.version, d.scope]);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(splits.length > 0 ? [published, splits.map((s) => [s.segment, s.name, s.variants])] : published))
    .digest('hex')
    .slice(0, 16);
  const body = compileRuleset(
    list.map((d) => ({ slug: d.slug, rule: d.rule, scope: d.scope })),
    { version: fingerprint, splits },
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
