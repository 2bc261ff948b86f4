/**
 * The 13 customer-lifecycle segments of DOMAIN.md in one step: declares the traits they read,
 * creates them from the templates of schema/lifecycle.ts with the workspace's thresholds, each in
 * its category of DOMAIN.md (Prospects, Good customers, Bad customers, Great customers: created
 * when missing, reused by name when present), and publishes them. All or nothing: one transaction.
 * The catalogue of the templates and their thresholds (lifecycleTemplates) is `lifecycleCatalogue`.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError, RuleInvalidError } from '../errors.js';
import type { RuleProblem } from '../../schema/validate-problems.js';
import { segments, type SegmentRow } from '../../drizzle/index.js';
import { buildLifecycleSegments, describeLifecycleTemplates, LIFECYCLE_CATEGORIES, LIFECYCLE_CATEGORY_DESCRIPTIONS, LIFECYCLE_TRAITS, type LifecycleParameters, type LifecycleTemplateInfo } from '../../schema/lifecycle.js';
import { defineTrait } from '../traits/traits.service.js';
import { ensureCategory } from './categories.service.js';
import { SegmentService } from './segments.service.js';

function invalidParameters(errors: readonly RuleProblem[]): RuleInvalidError {
  return new RuleInvalidError(errors, `Invalid lifecycle parameters: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
}

/** The templates with `parameters` applied (defaults for the rest), or BAD_USER_INPUT naming each bad one. */
export function lifecycleCatalogue(parameters: unknown): { parameters: LifecycleParameters; templates: LifecycleTemplateInfo[] } {
  const described = describeLifecycleTemplates(parameters ?? undefined);
  if (!described.ok) throw invalidParameters(described.errors);
  return described;
}

export async function createLifecycleSegments(
  db: Database,
  workspaceId: string,
  parameters: unknown,
  options: { publish: boolean; now?: Date } = { publish: true },
): Promise<SegmentRow[]> {
  const built = buildLifecycleSegments(parameters === null ? undefined : (parameters as Record<string, number> | undefined));
  if (!built.ok) throw invalidParameters(built.errors);
  const slugs = built.segments.map((s) => s.slug);
  return db.transaction(async (tx) => {
    const taken = await tx
      .select({ slug: segments.slug })
      .from(segments)
      .where(and(eq(segments.workspaceId, workspaceId), inArray(segments.slug, slugs)));
    if (taken.length > 0) {
      throw new ConflictError(`The workspace already has segments named ${taken.map((t) => `'${t.slug}'`).join(', ')}: delete them first (archiveSegment, then deleteSegment), or use createSegment from lifecycleTemplates with slugs of your own`);
    }
    for (const trait of LIFECYCLE_TRAITS) await defineTrait(tx, workspaceId, trait.name, trait.type, trait.description ?? null, options.now);
    // A millisecond apart, so that categories (listed oldest first) come in funnel order.
    const categoryIds = new Map<string, string>();
    const base = (options.now ?? new Date()).getTime();
    for (const [i, name] of LIFECYCLE_CATEGORIES.entries()) {
      categoryIds.set(name, (await ensureCategory(tx, workspaceId, name, LIFECYCLE_CATEGORY_DESCRIPTIONS[name], new Date(base + i))).id);
    }
    const now = options.now ?? new Date();
    const service = new SegmentService(tx, workspaceId, () => now);
    const created: SegmentRow[] = [];
    // A millisecond apart too (after the categories), so that the segments are listed in funnel order.
    for (const [i, template] of built.segments.entries()) {
      created.push(
        await service.create({
          createdAt: new Date(base + LIFECYCLE_CATEGORIES.length + i),
          slug: template.slug,
          name: template.name,
          description: template.description,
          categoryId: categoryIds.get(template.category)!,
          type: 'dynamic',
          rule: template.rule,
        }),
      );
    }
    if (!options.publish) return created;
    const published: SegmentRow[] = [];
    for (const segment of created) published.push(await service.publish(segment.id));
    return published;
  });
}
