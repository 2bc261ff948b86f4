/**
 * Segment definitions: create, edit (each edit is a new immutable version, guarded by optimistic
 * concurrency), publish (membership recomputed, edge ruleset rebuilt), archive, static lists.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError, NotFoundError, BadInputError, RuleInvalidError } from '../errors.js';
import { asUuid } from '../graphql/ids.js';
import { categories, profiles, segmentMembers, segments, segmentVersions } from '../../drizzle/index.js';
import { validateRule, type ValidationResult } from '../../schema/validate.js';
import { previewEdgeRule, type EdgePreview } from './edge-preview.js';
import { ruleWarnings, withWarnings } from '../../schema/rule-warnings.js';
import { loadSeenCatalogue } from './seen-catalogue.js';
import type { RuleNode, Scope } from '../../schema/rule.js';
import { loadCatalogue, loadPublishedDefinitions, loadSegmentInfos } from './definitions.js';
import { compileRuleSql } from './rule-sql.js';
import { disableJit, refreshWithDependents } from './membership.service.js';
import { rebuildRuleset } from './ruleset.service.js';
import type { PreviewCounts } from './preview/previews.js';

export type SegmentRow = typeof segments.$inferSelect;
export type SegmentVersionRow = typeof segmentVersions.$inferSelect;

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;
const MAX_STATIC_BATCH = 1000;

export interface CreateSegment {
  slug: string;
  name: string;
  description?: string | null;
  categoryId?: string | null;
  type: 'dynamic' | 'static';
  rule?: unknown;
  /** When it was created (default: the transaction's start); segments made together get distinct instants so listings keep their order. */
  createdAt?: Date;
}

export interface UpdateSegment {
  id: string;
  expectedVersion: number;
  name?: string | null;
  description?: string | null;
  categoryId?: string | null;
  rule?: unknown;
}

/** A rule that passed validation, ready to be stored. */
interface CheckedRule {
  json: unknown;
  rule: RuleNode;
  scope: Scope;
  references: string[];
}

async function memberCount(db: Database, segmentId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(segmentMembers).where(eq(segmentMembers.segmentId, segmentId));
  return row?.n ?? 0;
}

export class SegmentService {
  constructor(
    private readonly db: Database,
    private readonly workspaceId: string,
    /** The instant of the request: membership is computed at it (tests and seeds pin it). */
    private readonly clock: () => Date = () => new Date(),
    /** Exact live counts from memory (api/segments/preview); without it, every count is SQL. */
    private readonly previews?: PreviewCounts,
  ) {}

  /** Validates a rule in this workspace; `selfSlug` makes references back to it a cycle. */
  async validate(rule: unknown, selfSlug?: string): Promise<ValidationResult> {
    return (await this.validateIn(rule, selfSlug)).result;
  }

  private async validateIn(rule: unknown, selfSlug?: string) {
    // Sequential: this.db may be a transaction (one connection, no concurrent queries).
    const catalogue = await loadCatalogue(this.db, this.workspaceId);
    const infos = await loadSegmentInfos(this.db, this.workspaceId);
    return { catalogue, result: validateRule(rule, catalogue, { segments: infos, selfSlug }) };
  }

  /**
   * Validates a rule and, when it is valid, adds the warnings of what it asks against what the
   * workspace has seen (schema/rule-warnings.ts): names never tracked, values never reported,
   * contradictions. Warnings never make a rule invalid.
   */
  async validateWithWarnings(rule: unknown, selfSlug?: string): Promise<ValidationResult> {
    const { catalogue, result } = await this.validateIn(rule, selfSlug);
    if (!result.ok) return result;
    const seen = await loadSeenCatalogue(this.db, this.workspaceId, [result.rule]);
    return { ...result, warnings: withWarnings(result.warnings, ruleWarnings(result.rule, result.scope, catalogue, seen)) };
  }

  private async checkRule(rule: unknown, selfSlug?: string): Promise<CheckedRule> {
    const result = await this.validate(rule, selfSlug);
    if (!result.ok) throw new RuleInvalidError(result.errors);
    return { json: rule, rule: result.rule, scope: result.scope, references: result.references };
  }

  private checkMetadata(input: { name?: string | null; description?: string | null }, requireName: boolean): void {
    const problems: string[] = [];
    if (requireName || input.name != null) {
      const name = input.name?.trim() ?? '';
      if (name.length === 0) problems.push('name must not be empty');
      if (name.length > MAX_NAME) problems.push(`name must be at most ${MAX_NAME} characters`);
    }
    if (input.description != null && input.description.length > MAX_DESCRIPTION) {
      problems.push(`description must be at most ${MAX_DESCRIPTION} characters`);
    }
    if (problems.length > 0) throw new BadInputError(problems.join('; '));
  }

  private async checkCategory(categoryId: string | null | undefined): Promise<void> {
    if (categoryId == null) return;
    const [found] = await this.db
      .select({ id: categories.id })
      .from(categories)
      .where(and(eq(categories.id, asUuid(categoryId, 'category')), eq(categories.workspaceId, this.workspaceId)));
    if (!found) throw new NotFoundError(`No category ${categoryId}`);
  }

  async get(id: string): Promise<SegmentRow> {
    const [row] = await this.db.select().from(segments).where(and(eq(segments.id, asUuid(id, 'segment')), eq(segments.workspaceId, this.workspaceId)));
    if (!row) throw new NotFoundError(`No segment ${id}`);
    return row;
  }

  async getBySlug(slug: string): Promise<SegmentRow> {
    const [row] = await this.db.select().from(segments).where(and(eq(segments.slug, slug), eq(segments.workspaceId, this.workspaceId)));
    if (!row) throw new NotFoundError(`No segment '${slug}'`);
    return row;
  }

  async create(input: CreateSegment): Promise<SegmentRow> {
    if (!SLUG.test(input.slug)) {
      throw new BadInputError(`slug '${input.slug}' must be 1-63 lower case letters, digits or dashes, starting with a letter or digit`);
    }
    this.checkMetadata(input, true);
    await this.checkCategory(input.categoryId);
    if (input.type === 'dynamic' && input.rule == null) throw new BadInputError('A dynamic segment needs a rule');
    if (input.type === 'static' && input.rule != null) throw new BadInputError('A static segment is a list of profiles and has no rule');
    const checked = input.rule == null ? null : await this.checkRule(input.rule, input.slug);
    return this.db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: segments.id, status: segments.status })
        .from(segments)
        .where(and(eq(segments.workspaceId, this.workspaceId), eq(segments.slug, input.slug)));
      if (existing?.status === 'archived') {
        throw new ConflictError(`The slug '${input.slug}' belongs to an archived segment: unarchive it (unarchiveSegment), or delete it (deleteSegment) to free the slug`);
      }
      if (existing) throw new ConflictError(`A segment with slug '${input.slug}' already exists`);
      const [row] = await tx
        .insert(segments)
        .values({
          workspaceId: this.workspaceId,
          slug: input.slug,
          name: input.name.trim(),
          description: input.description ?? null,
          categoryId: input.categoryId ?? null,
          type: input.type,
          status: 'draft',
          currentVersion: 1,
          scope: checked?.scope ?? 'profile',
          ...(input.createdAt ? { createdAt: input.createdAt, updatedAt: input.createdAt } : {}),
        })
        .returning();
      await tx.insert(segmentVersions).values({
        segmentId: row!.id,
        workspaceId: this.workspaceId,
        version: 1,
        rule: checked?.json ?? null,
        scope: checked?.scope ?? 'profile',
        references: checked?.references ?? [],
      });
      return row!;
    });
  }

  async update(input: UpdateSegment): Promise<SegmentRow> {
    const current = await this.get(input.id);
    if (current.status === 'archived') throw new ConflictError(`Segment '${current.slug}' is archived`);
    if (current.currentVersion !== input.expectedVersion) {
      throw new ConflictError(
        `Segment '${current.slug}' is at version ${current.currentVersion}, not ${input.expectedVersion}: reload it and apply your change again`,
      );
    }
    this.checkMetadata(input, false);
    await this.checkCategory(input.categoryId);
    if (current.type === 'static' && input.rule != null) throw new BadInputError('A static segment has no rule');
    const checked = input.rule == null ? null : await this.checkRule(input.rule, current.slug);
    // Every edit is a new version, so that expectedVersion guards names, descriptions and categories
    // as well as rules: the conditional update below lets exactly one edit of a version win.
    return this.db.transaction(async (tx) => {
      const nextVersion = current.currentVersion + 1;
      // A metadata-only edit keeps the rule: the new version is a copy of the latest, and if that one
      // was published, so is its copy (same rule, nothing to recompute or republish).
      const [row] = await tx
        .update(segments)
        .set({
          name: input.name?.trim() ?? current.name,
          description: input.description === undefined ? current.description : input.description,
          categoryId: input.categoryId === undefined ? current.categoryId : input.categoryId,
          currentVersion: nextVersion,
          ...(checked ? {} : { publishedVersion: sql`case when ${segments.publishedVersion} = ${segments.currentVersion} then ${nextVersion}::int else ${segments.publishedVersion} end` }),
          updatedAt: this.clock(),
        })
        .where(and(eq(segments.id, current.id), eq(segments.currentVersion, input.expectedVersion)))
        .returning();
      if (!row) throw new ConflictError(`Segment '${current.slug}' was changed by someone else: reload it`);
      if (checked) {
        await tx.insert(segmentVersions).values({
          segmentId: current.id,
          workspaceId: this.workspaceId,
          version: nextVersion,
          rule: checked.json,
          scope: checked.scope,
          references: checked.references,
        });
      } else {
        const keepsPublished = row.publishedVersion === nextVersion;
        await tx.execute(sql`
          insert into ${segmentVersions} (segment_id, workspace_id, version, rule, scope, "references", published_at)
          select segment_id, workspace_id, ${nextVersion}, rule, scope, "references", ${keepsPublished ? sql`published_at` : sql`null`}
          from ${segmentVersions} where segment_id = ${current.id} and version = ${current.currentVersion}`);
      }
      return row;
    });
  }

  /** Publishes a version (the latest by default): membership is recomputed and the edge ruleset rebuilt. */
  async publish(id: string, version?: number | null): Promise<SegmentRow> {
    const current = await this.get(id);
    const target = version ?? current.currentVersion;
    const [versionRow] = await this.db
      .select()
      .from(segmentVersions)
      .where(and(eq(segmentVersions.segmentId, id), eq(segmentVersions.version, target)));
    if (!versionRow) throw new NotFoundError(`Segment '${current.slug}' has no version ${target}`);
    // References may have changed since the version was saved: check again, cycles included.
    const checked = versionRow.rule == null ? null : await this.checkRule(versionRow.rule, current.slug);
    const now = this.clock();
    // One transaction: the published version, its members, its dependents' members and the edge
    // ruleset change together or not at all.
    return this.db.transaction(async (tx) => {
      // The segments it references, share-locked: one being deleted at the same time (deleteSegment
      // holds it for update) either is gone here, and this publish is refused, or waits for this
      // publish and then sees the reference and refuses the deletion. Never a published dangling reference.
      if (checked && checked.references.length > 0) {
        const present = await tx
          .select({ slug: segments.slug })
          .from(segments)
          .where(and(eq(segments.workspaceId, this.workspaceId), inArray(segments.slug, checked.references)))
          .for('share');
        const gone = checked.references.filter((slug) => !present.some((p) => p.slug === slug));
        if (gone.length > 0) throw new ConflictError(`Segment '${current.slug}' references ${gone.map((s) => `'${s}'`).join(', ')}, deleted meanwhile: change its rule`);
      }
      await tx.update(segmentVersions).set({ publishedAt: now }).where(eq(segmentVersions.id, versionRow.id));
      const [updated] = await tx
        .update(segments)
        .set({ status: 'published', publishedVersion: target, scope: checked?.scope ?? 'profile', updatedAt: now })
        .where(eq(segments.id, id))
        .returning();
      await refreshWithDependents(tx, this.workspaceId, current, now.getTime());
      await rebuildRuleset(tx, this.workspaceId);
      return updated!;
    });
  }

  /** Archives a segment: it has no members any more, references to it become false. */
  async archive(id: string): Promise<SegmentRow> {
    const current = await this.get(id);
    return this.db.transaction(async (tx) => {
      const now = this.clock();
      const [updated] = await tx.update(segments).set({ status: 'archived', updatedAt: now }).where(eq(segments.id, current.id)).returning();
      if (current.type === 'dynamic') await tx.delete(segmentMembers).where(eq(segmentMembers.segmentId, current.id));
      await refreshWithDependents(tx, this.workspaceId, current, now.getTime());
      await rebuildRuleset(tx, this.workspaceId);
      return updated!;
    });
  }

  async versions(id: string): Promise<SegmentVersionRow[]> {
    return this.db.select().from(segmentVersions).where(eq(segmentVersions.segmentId, id)).orderBy(desc(segmentVersions.version));
  }

  /** Adds profiles to a static segment (idempotent); returns the new size. */
  async addToStatic(segmentId: string, profileIds: readonly string[]): Promise<number> {
    const segment = await this.staticSegment(segmentId, profileIds);
    const ids = profileIds.map((p) => asUuid(p, 'profile'));
    return this.db.transaction(async (tx) => {
      // segment_members has no foreign keys: the profiles are locked against deletion until the
      // insert commits, as a foreign key check would, so no membership outlives its profile.
      const found = ids.length === 0 ? [] : await tx
        .select({ id: profiles.id })
        .from(profiles)
        .where(and(eq(profiles.workspaceId, this.workspaceId), inArray(profiles.id, ids)))
        .for('key share');
      const known = new Set(found.map((p) => p.id));
      const missing = ids.filter((p) => !known.has(p));
      if (missing.length > 0) throw new NotFoundError(`No profiles ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ' ...' : ''}`);
      if (known.size > 0) {
        await tx
          .insert(segmentMembers)
          .values([...known].map((profileId) => ({ segmentId: segment.id, profileId, workspaceId: this.workspaceId, joinedAt: this.clock() })))
          .onConflictDoNothing();
      }
      if (segment.status === 'published') await refreshWithDependents(tx, this.workspaceId, segment, this.clock().getTime());
      return memberCount(tx, segment.id);
    });
  }

  async removeFromStatic(segmentId: string, profileIds: readonly string[]): Promise<number> {
    const segment = await this.staticSegment(segmentId, profileIds);
    return this.db.transaction(async (tx) => {
      if (profileIds.length > 0) {
        await tx
          .delete(segmentMembers)
          .where(and(eq(segmentMembers.segmentId, segment.id), inArray(segmentMembers.profileId, profileIds.map((p) => asUuid(p, 'profile')))));
      }
      if (segment.status === 'published') await refreshWithDependents(tx, this.workspaceId, segment, this.clock().getTime());
      return memberCount(tx, segment.id);
    });
  }

  private async staticSegment(segmentId: string, profileIds: readonly string[]): Promise<SegmentRow> {
    const segment = await this.get(segmentId);
    if (segment.type !== 'static') throw new BadInputError(`Segment '${segment.slug}' is dynamic: its members follow its rule`);
    if (segment.status === 'archived') throw new ConflictError(`Segment '${segment.slug}' is archived`);
    if (profileIds.length > MAX_STATIC_BATCH) throw new BadInputError(`At most ${MAX_STATIC_BATCH} profiles per call`);
    return segment;
  }

  async memberCount(segmentId: string): Promise<number> {
    return memberCount(this.db, segmentId);
  }

  /**
   * Live count of the profiles a validated rule matches now: from the in-memory copy of the
   * workspace when this process holds one (exact: brought up to date first), else in SQL.
   */
  async countMatching(rule: RuleNode, now = this.clock().getTime()): Promise<number> {
    const definitions = await loadPublishedDefinitions(this.db, this.workspaceId);
    const fast = await this.previews?.count(this.workspaceId, rule, definitions, now);
    return fast ?? this.countMatchingSql(rule, now, definitions);
  }

  /** The same count, always in SQL (one predicate over profiles: rule-sql.ts). */
  async countMatchingSql(rule: RuleNode, now = this.clock().getTime(), definitions?: Awaited<ReturnType<typeof loadPublishedDefinitions>>): Promise<number> {
    definitions ??= await loadPublishedDefinitions(this.db, this.workspaceId);
    const published = definitions;
    const predicate = compileRuleSql(rule, { now, segment: (slug) => published.bySlug.get(slug) });
    return this.db.transaction(async (tx) => {
      await disableJit(tx);
      const [row] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(profiles)
        .where(and(eq(profiles.workspaceId, this.workspaceId), predicate));
      return row?.n ?? 0;
    });
  }

  /** The size of a segment: its members once published, else what its latest rule matches now. */
  async size(segment: SegmentRow): Promise<number> {
    if (segment.type === 'static' || segment.status === 'published') return this.memberCount(segment.id);
    if (segment.status === 'archived') return 0;
    const [version] = await this.db
      .select()
      .from(segmentVersions)
      .where(and(eq(segmentVersions.segmentId, segment.id), eq(segmentVersions.version, segment.currentVersion)));
    if (!version || version.rule == null) return 0;
    const result = await this.validate(version.rule);
    return result.ok ? this.countMatching(result.rule) : 0;
  }

  /** What an edge-scoped rule would have tagged over the recent page views (edge-preview.ts). */
  async previewEdge(rule: RuleNode, now = this.clock()): Promise<EdgePreview> {
    return previewEdgeRule(this.db, this.workspaceId, rule, await loadPublishedDefinitions(this.db, this.workspaceId), now);
  }

  /** The same for the latest rule of a dynamic draft, or null when that rule is not edge-scoped (or not valid now). */
  async previewEdgeDraft(segment: SegmentRow): Promise<EdgePreview | null> {
    if (segment.type !== 'dynamic' || segment.status !== 'draft') return null;
    const [version] = await this.db
      .select()
      .from(segmentVersions)
      .where(and(eq(segmentVersions.segmentId, segment.id), eq(segmentVersions.version, segment.currentVersion)));
    if (!version || version.rule == null || version.scope !== 'edge') return null;
    const result = await this.validate(version.rule, segment.slug);
    return result.ok && result.scope === 'edge' ? this.previewEdge(result.rule) : null;
  }

  async totalProfiles(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(profiles).where(eq(profiles.workspaceId, this.workspaceId));
    return row?.n ?? 0;
  }
}
