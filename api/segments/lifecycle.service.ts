/**
 * The 13 customer-lifecycle segments of DOMAIN.md in one step: declares the traits they read,
 * creates them from the templates of schema/lifecycle.ts with the workspace's thresholds in a
 * "Lifecycle" category, and publishes them. All or nothing: one transaction.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError, RuleInvalidError } from '../errors.js';
import { segments, type SegmentRow } from '../../drizzle/index.js';
import { buildLifecycleSegments, LIFECYCLE_TRAITS } from '../../schema/lifecycle.js';
import { defineTrait } from '../traits/traits.service.js';
import { ensureCategory } from './categories.service.js';
import { SegmentService } from './segments.service.js';

export const LIFECYCLE_CATEGORY = 'Lifecycle';

export async function createLifecycleSegments(
  db: Database,
  workspaceId: string,
  parameters: unknown,
  options: { publish: boolean; now?: Date } = { publish: true },
): Promise<SegmentRow[]> {
  const built = buildLifecycleSegments(parameters === null ? undefined : (parameters as Record<string, number> | undefined));
  if (!built.ok) throw new RuleInvalidError(built.errors, `Invalid lifecycle parameters: ${built.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const slugs = built.segments.map((s) => s.slug);
  return db.transaction(async (tx) => {
    const taken = await tx
      .select({ slug: segments.slug })
      .from(segments)
      .where(and(eq(segments.workspaceId, workspaceId), inArray(segments.slug, slugs)));
    if (taken.length > 0) {
      throw new ConflictError(`The workspace already has segments named ${taken.map((t) => `'${t.slug}'`).join(', ')}: archive or rename them first`);
    }
    for (const trait of LIFECYCLE_TRAITS) await defineTrait(tx, workspaceId, trait.name, trait.type, trait.description ?? null, options.now);
    const category = await ensureCategory(tx, workspaceId, LIFECYCLE_CATEGORY, 'Customer lifecycle stages: prospects, good, bad and great customers.');
    const now = options.now ?? new Date();
    const service = new SegmentService(tx, workspaceId, () => now);
    const created: SegmentRow[] = [];
    for (const template of built.segments) {
      created.push(
        await service.create({
          slug: template.slug,
          name: template.name,
          description: `${template.category}: ${template.description}`,
          categoryId: category.id,
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
