/**
 * The published definitions of a workspace's segments, as the evaluators need them: the stored rule
 * JSON of each segment's published version, normalised again through the validator (so the
 * evaluators only ever see validated trees).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { executePrepared, placeholder, prepareSql } from '../db/prepared.js';
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
 * Validated definitions by workspace, with the fingerprint of everything validation reads: the
 * catalogue, every segment's status, scope and references, and which version of which segment is
 * published (versions are immutable, so the id and number stand for the rule). A later load that
 * finds the same fingerprint reuses them instead of fetching and validating every rule again.
 */
const validated = new Map<string, { fingerprint: string; definitions: PublishedDefinitions }>();
const VALIDATED_WORKSPACES = 256;

/**
 * The state of a workspace's definitions in one statement (one snapshot, one round trip, prepared):
 * its fingerprint (an md5 computed by PostgreSQL) and, unless it is `known`, everything a load
 * needs: traits, segment infos, and the published segments with their rules.
 */
const DEFINITIONS_STATE = prepareSql(
  'ae_definitions_state_v1',
  sql`
  with traits as (
    select coalesce(jsonb_agg(jsonb_build_array(t.name, t.type, t.description) order by t.name, t.type, t.description), '[]'::jsonb) as v
    from ${traitDefinitions} t where t.workspace_id = ${placeholder('workspaceId')}::uuid
  ),
  infos as (
    select coalesce(jsonb_agg(jsonb_build_array(s.slug, s.status, v.scope, to_jsonb(v."references")) order by s.slug), '[]'::jsonb) as v
    from ${segments} s join ${segmentVersions} v on v.segment_id = s.id and v.version = s.current_version
    where s.workspace_id = ${placeholder('workspaceId')}::uuid
  ),
  published as (
    select coalesce(jsonb_agg(jsonb_build_array(s.id, s.slug, s.type, s.published_version) order by s.id), '[]'::jsonb) as v
    from ${segments} s where s.workspace_id = ${placeholder('workspaceId')}::uuid and s.status = 'published'
  ),
  state as (
    select md5(traits.v::text || infos.v::text || published.v::text) as fingerprint, traits.v as traits, infos.v as infos,
      jsonb_array_length(published.v) as published
    from traits, infos, published
  )
  select state.fingerprint, state.published,
    case when state.fingerprint <> ${placeholder('known')}::text then state.traits end as traits,
    case when state.fingerprint <> ${placeholder('known')}::text then state.infos end as infos,
    case when state.fingerprint <> ${placeholder('known')}::text then (
      select coalesce(jsonb_agg(jsonb_build_array(s.id, s.slug, s.type, v.version, v.rule)), '[]'::jsonb)
      from ${segments} s join ${segmentVersions} v on v.segment_id = s.id and v.version = s.published_version
      where s.workspace_id = ${placeholder('workspaceId')}::uuid and s.status = 'published'
    ) end as rows
  from state`,
);

interface DefinitionsState {
  fingerprint: string;
  published: number;
  traits: Array<[string, TraitDefinition['type'], string | null]> | null;
  infos: Array<[string, SegmentInfo['status'], Scope, string[] | null]> | null;
  rows: Array<[string, string, 'dynamic' | 'static', number, unknown]> | null;
}

/**
 * Published segments of a workspace with validated rules; a version that no longer validates is
 * left out. Static segments are listed with scope 'profile' and no rule. The result is shared:
 * callers must not change it, and it is the same object until something it was made from changes
 * (caches of things compiled from it, such as refreshProfiles' statement, are keyed by it).
 */
export async function loadPublishedDefinitions(db: Database, workspaceId: string): Promise<PublishedDefinitions> {
  const cached = validated.get(workspaceId);
  const [state] = (await executePrepared(db, DEFINITIONS_STATE, { workspaceId, known: cached?.fingerprint ?? '' })) as unknown as DefinitionsState[];
  if (!state) throw new Error('the definitions state query returned no row');
  if (cached && cached.fingerprint === state.fingerprint) return cached.definitions;

  const catalogue = buildCatalogue((state.traits ?? []).map(([name, type, description]): TraitDefinition => ({ name, type, description: description ?? undefined })));
  const infos = new Map<string, SegmentInfo>((state.infos ?? []).map(([slug, status, scope, references]) => [slug, { status, scope, references: references ?? [] }]));
  const byId = new Map<string, PublishedDefinition>();
  const bySlug = new Map<string, PublishedDefinition>();
  const rows = state.rows ?? [];
  for (const [id, slug, type, version, rule] of rows) {
    if (type === 'static') {
      // A list, not a rule: members are stored; at the edge it is known only through memberships.
      const def: PublishedDefinition = { id, slug, type: 'static', scope: 'profile', version, rule: NO_RULE };
      byId.set(def.id, def);
      bySlug.set(def.slug, def);
      continue;
    }
    const result = validateRule(rule, catalogue, { segments: infos });
    if (!result.ok) continue;
    const def: PublishedDefinition = { id, slug, type, scope: result.scope, version, rule: result.rule };
    byId.set(def.id, def);
    bySlug.set(def.slug, def);
  }
  const definitions = { byId, bySlug };
  // Read in one snapshot with the fingerprint; a published segment without its version row (it
  // cannot happen through the API) is not cached, so that the next load tries again.
  if (rows.length === state.published) {
    validated.delete(workspaceId);
    validated.set(workspaceId, { fingerprint: state.fingerprint, definitions });
    if (validated.size > VALIDATED_WORKSPACES) validated.delete(validated.keys().next().value as string);
  }
  return definitions;
}
