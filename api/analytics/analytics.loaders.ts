/**
 * Per-request DataLoaders of the analytics fields of Segment: health, KPIs (keyed by segment and
 * period), splits and the figures of splits over a period, each batch in a fixed number of queries whatever the number of segments.
 */
import DataLoader from 'dataloader';
import { memoized, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { segmentSize } from '../segments/segments.loaders.js';
import { edgeHealthFacts, healthFacts } from './health.queries.js';
import { judgeHealth, type Check, type Verdict } from './health.verdicts.js';
import { segmentKpis, type Kpis, type Period } from './kpis.service.js';
import { hasMembership } from './segments.lookup.js';
import { splitFigures, type VariantFigures } from './split-kpis.queries.js';
import { countSplits, splitsOfSegments, type SplitCounts, type SplitDefinition } from './splits.service.js';

export function healthOf(ctx: RequestContext): DataLoader<SegmentRow, { verdict: Verdict; checks: Check[] }, string> {
  return memoized(ctx, 'analytics.health', () =>
    new DataLoader<SegmentRow, { verdict: Verdict; checks: Check[] }, string>(
      async (segments) => {
        const workspaceId = segments[0]!.workspaceId;
        const [facts, sizes, edge] = await Promise.all([
          healthFacts(ctx.db, workspaceId, segments.map((s) => s.id), ctx.now),
          Promise.all(segments.map((s) => segmentSize(ctx, s))),
          edgeHealthFacts(ctx, workspaceId, segments),
        ]);
        return segments.map((segment, i) => {
          const materialised = hasMembership(segment);
          const f = facts.get(segment.id)!;
          return judgeHealth({ ...f, segment, size: sizes[i]!, materialised, comparedSegments: f.comparedSegments - (materialised ? 1 : 0), edge: edge.get(segment.id) ?? null });
        });
      },
      { cacheKeyFn: (s) => s.id },
    ),
  );
}

export function kpisOf(ctx: RequestContext): DataLoader<{ segmentId: string; period: Period }, Kpis, string> {
  return memoized(ctx, 'analytics.kpis', () =>
    new DataLoader<{ segmentId: string; period: Period }, Kpis, string>(
      async (keys) => {
        const byPeriod = new Map<string, { period: Period; ids: string[] }>();
        for (const k of keys) {
          const p = `${k.period.from.toISOString()}/${k.period.to.toISOString()}`;
          byPeriod.set(p, { period: k.period, ids: [...(byPeriod.get(p)?.ids ?? []), k.segmentId] });
        }
        const results = new Map<string, Kpis>();
        for (const [p, group] of byPeriod) {
          for (const [id, kpis] of await segmentKpis(ctx.db, group.ids, group.period)) results.set(`${id}|${p}`, kpis);
        }
        return keys.map((k) => results.get(`${k.segmentId}|${k.period.from.toISOString()}/${k.period.to.toISOString()}`)!);
      },
      { cacheKeyFn: (k) => `${k.segmentId}|${k.period.from.toISOString()}/${k.period.to.toISOString()}` },
    ),
  );
}

export function splitsOf(ctx: RequestContext): DataLoader<string, SplitCounts[]> {
  return memoized(ctx, 'analytics.splits', () =>
    new DataLoader<string, SplitCounts[]>(async (segmentIds) => {
      const rows = await splitsOfSegments(ctx.db, segmentIds);
      const counted = await countSplits(ctx.db, rows);
      return segmentIds.map((id) => counted.filter((_, i) => rows[i]!.segmentId === id));
    }),
  );
}

const periodKey = (p: Period) => `${p.from.toISOString()}/${p.to.toISOString()}`;

/** The figures of splits over periods: one statement per distinct period, whatever the number of splits. */
export function splitFiguresOf(ctx: RequestContext): DataLoader<{ split: SplitDefinition; period: Period }, VariantFigures[], string> {
  return memoized(ctx, 'analytics.splitFigures', () =>
    new DataLoader<{ split: SplitDefinition; period: Period }, VariantFigures[], string>(
      async (keys) => {
        const byPeriod = new Map<string, { period: Period; splits: SplitDefinition[] }>();
        for (const k of keys) {
          const p = periodKey(k.period);
          if (!byPeriod.has(p)) byPeriod.set(p, { period: k.period, splits: [] });
          byPeriod.get(p)!.splits.push(k.split);
        }
        const results = new Map<string, VariantFigures[]>();
        for (const [p, group] of byPeriod) {
          for (const [id, figures] of await splitFigures(ctx.db, group.splits, group.period)) results.set(`${id}|${p}`, figures);
        }
        return keys.map((k) => results.get(`${k.split.id}|${periodKey(k.period)}`)!);
      },
      { cacheKeyFn: (k) => `${k.split.id}|${periodKey(k.period)}` },
    ),
  );
}
