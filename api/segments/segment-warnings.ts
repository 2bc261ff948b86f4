/**
 * The `warnings` of segments (their latest version's rule), batched per request: the catalogue,
 * the segment infos, the latest versions and the seen catalogue are read once for every segment of
 * the response, whatever their number.
 */
import DataLoader from 'dataloader';
import { and, eq, inArray } from 'drizzle-orm';
import { memoized, type RequestContext } from '../context.js';
import { segmentVersions, type SegmentRow } from '../../drizzle/index.js';
import type { RuleNode, Scope } from '../../schema/rule.js';
import { ruleWarnings, withWarnings } from '../../schema/rule-warnings.js';
import { validateRule, type RuleProblem } from '../../schema/validate.js';
import { loadCatalogue, loadSegmentInfos } from './definitions.js';
import { loadSeenCatalogue } from './seen-catalogue.js';

type Validated = { slug: string; warnings: RuleProblem[]; rule?: RuleNode; scope?: Scope };

export function segmentWarnings(ctx: RequestContext, workspaceId: string): DataLoader<SegmentRow, RuleProblem[], string> {
  return memoized(ctx, 'segments.warnings', () =>
    new DataLoader<SegmentRow, RuleProblem[], string>(
      async (rows) => {
        const catalogue = await loadCatalogue(ctx.db, workspaceId);
        const infos = await loadSegmentInfos(ctx.db, workspaceId);
        const versions = await ctx.db
          .select({ segmentId: segmentVersions.segmentId, version: segmentVersions.version, rule: segmentVersions.rule })
          .from(segmentVersions)
          .where(and(eq(segmentVersions.workspaceId, workspaceId), inArray(segmentVersions.segmentId, rows.map((r) => r.id))));
        const validated = rows.map((row): Validated => {
          const rule = versions.find((v) => v.segmentId === row.id && v.version === row.currentVersion)?.rule;
          if (rule == null) return { slug: row.slug, warnings: [] };
          const result = validateRule(rule, catalogue, { segments: infos, selfSlug: row.slug });
          return result.ok ? { slug: row.slug, warnings: result.warnings, rule: result.rule, scope: result.scope } : { slug: row.slug, warnings: result.warnings };
        });
        const rules = validated.flatMap((v) => (v.rule ? [v.rule] : []));
        const seen = rules.length === 0 ? null : await loadSeenCatalogue(ctx.db, workspaceId, rules);
        return validated.map((v) => (v.rule && seen ? withWarnings(v.warnings, ruleWarnings(v.rule, v.scope!, catalogue, seen)) : v.warnings));
      },
      { cacheKeyFn: (row) => `${row.id}:${row.currentVersion}` },
    ),
  );
}
