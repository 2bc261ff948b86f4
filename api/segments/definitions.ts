/**
 * The published definitions of a workspace's segments, as the evaluators need them: the stored rule
 * JSON of each segment's published version, normalised again through the validator (so the
 * evaluators only ever see validated trees).
 */
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { segments, segmentVersions, traitDefinitions } from '../../drizzle/index.js';
import { buildCatalogue, type Catalogue, type TraitDefinition } from '../../schema/attributes.js';
import type { RuleNode, Scope } from '../../schema/rule.js';
import { validateRule, type SegmentInfo } from '../../schema/validate.js';

export interface PublishedDefinition {
  id: string;
  slug: string;
  type: 'dynamic' | 'static';
  scope: Scope;
  version: number;
  rule: RuleNode;
}

/** The rule of a static segment: it has none (membership is the list itself). */
const NO_RULE: RuleNode = { kind: 'any', rules: [] };

export interface PublishedDefinitions {
  byId: Map<string, PublishedDefinition>;
  bySlug: Map<string, PublishedDefinition>;
}

/** The catalogue of a workspace: fixed attributes plus its declared traits. */
export async function loadCatalogue(db: Database, workspaceId: string): Promise<Catalogue> {
  const traits = await db
    .select({ name: traitDefinitions.name, type: traitDefinitions.type, description: traitDefinitions.description })
    .from(traitDefinitions)
    .where(eq(traitDefinitions.workspaceId, workspaceId));
  return buildCatalogue(traits.map((t): TraitDefinition => ({ name: t.name, type: t.type, description: t.description ?? undefined })));
}

/** What validation needs to know of every segment of a workspace (status, scope, references). */
export async function loadSegmentInfos(db: Database, workspaceId: string): Promise<Map<string, SegmentInfo>> {
  const rows = await db
    .select({ slug: segments.slug, status: segments.status, scope: segmentVersions.scope, references: segmentVersions.references })
    .from(segments)
    .innerJoin(segmentVersions, and(eq(segmentVersions.segmentId, segments.id), eq(segmentVersions.version, segments.currentVersion)))
    .where(eq(segments.workspaceId, workspaceId));
  return new Map(
    rows.map((r) => [r.slug, { status: r.status, scope: r.scope as Scope, references: r.references ?? [] }]),
  );
}

/**
 * Validated definitions by workspace, with the fingerprint of everything validation read: the
 * catalogue, every segment's status, scope and references, and which version of which segment is
 * published (versions are immutable, so the id and number stand for the rule). A later load that
 * finds the same fingerprint reuses them instead of fetching and validating every rule again.
 */
const validated = new Map<string, { fingerprint: string; definitions: PublishedDefinitions }>();
const VALIDATED_WORKSPACES = 256;

/**
 * Published segments of a workspace with validated rules; a version that no longer validates is
 * left out. Static segments are listed with scope 'profile' and no rule. The result is shared:
 * callers must not change it.
 */
export async function loadPublishedDefinitions(db: Database, workspaceId: string): Promise<PublishedDefinitions> {
  // One after the other: `db` may be a transaction, whose single connection must not run queries concurrently.
  const traits = await db
    .select({ name: traitDefinitions.name, type: traitDefinitions.type, description: traitDefinitions.description })
    .from(traitDefinitions)
    .where(eq(traitDefinitions.workspaceId, workspaceId));
  const infos = await loadSegmentInfos(db, workspaceId);
  const published = await db
    .select({ id: segments.id, slug: segments.slug, type: segments.type, version: segments.publishedVersion })
    .from(segments)
    .where(and(eq(segments.workspaceId, workspaceId), eq(segments.status, 'published')));
  const fingerprint = JSON.stringify([
    traits.map((t) => [t.name, t.type, t.description]).sort(),
    [...infos].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    published.map((p) => [p.id, p.slug, p.type, p.version]).sort(),
  ]);
  const cached = validated.get(workspaceId);
  if (cached && cached.fingerprint === fingerprint) return cached.definitions;

  const catalogue = buildCatalogue(traits.map((t): TraitDefinition => ({ name: t.name, type: t.type, description: t.description ?? undefined })));
  const rows = await db
    .select({
      id: segments.id,
      slug: segments.slug,
      type: segments.type,
      version: segmentVersions.version,
      rule: segmentVersions.rule,
    })
    .from(segments)
    .innerJoin(segmentVersions, and(eq(segmentVersions.segmentId, segments.id), eq(segmentVersions.version, segments.publishedVersion)))
    .where(and(eq(segments.workspaceId, workspaceId), eq(segments.status, 'published')));
  const byId = new Map<string, PublishedDefinition>();
  const bySlug = new Map<string, PublishedDefinition>();
  for (const row of rows) {
    if (row.type === 'static') {
      // A list, not a rule: members are stored; at the edge it is known only through memberships.
      const def: PublishedDefinition = { id: row.id, slug: row.slug, type: 'static', scope: 'profile', version: row.version, rule: NO_RULE };
      byId.set(def.id, def);
      bySlug.set(def.slug, def);
      continue;
    }
    const result = validateRule(row.rule, catalogue, { segments: infos });
    if (!result.ok) continue;
    const def: PublishedDefinition = { id: row.id, slug: row.slug, type: row.type, scope: result.scope, version: row.version, rule: result.rule };
    byId.set(def.id, def);
    bySlug.set(def.slug, def);
  }
  const definitions = { byId, bySlug };
  // Only what was read in one consistent view is cached: the published rows must be the ones fingerprinted.
  const same = rows.length === published.length && rows.every((r) => published.some((p) => p.id === r.id && p.version === r.version));
  if (same) {
    validated.delete(workspaceId);
    validated.set(workspaceId, { fingerprint, definitions });
    if (validated.size > VALIDATED_WORKSPACES) validated.delete(validated.keys().next().value as string);
  }
  return definitions;
}
