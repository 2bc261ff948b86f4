/**
 * Overlap of segments: sizes and every pairwise intersection in ONE query over the memberships
 * (a self-join grouped by segment pair), then Jaccard indexes and merge advice.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { segmentMembers, type SegmentRow } from '../../drizzle/index.js';
import { MERGE_CONTAINMENT, MERGE_JACCARD, MERGE_NESTED_MIN_SIZE_RATIO } from './thresholds.js';

export type MergeReason = 'NEARLY_IDENTICAL' | 'NEARLY_CONTAINED';

export interface PairFigures<T extends { slug: string }> {
  a: T;
  b: T;
  intersection: number;
  union: number;
  /** |A ∩ B| / |A ∪ B|; 0 when both are empty. */
  jaccard: number;
  /** |A ∩ B| / min(|A|, |B|): how much of the smaller one lies inside the other. */
  containment: number;
  shouldMerge: boolean;
  mergeReason: MergeReason | null;
  explanation: string;
}

export type OverlapPair = PairFigures<SegmentRow>;

export interface Overlap {
  segments: Array<{ segment: SegmentRow; size: number }>;
  pairs: OverlapPair[];
}

/** Intersection counts of every pair (a <= b, the diagonal being the sizes), in one statement. */
async function intersections(db: Database, ids: readonly string[]): Promise<Map<string, number>> {
  const list = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const result = await db.execute(sql`
    with m as (select ${segmentMembers.segmentId} as segment_id, ${segmentMembers.profileId} as profile_id from ${segmentMembers} where ${segmentMembers.segmentId} in (${list}))
    select a.segment_id as a, b.segment_id as b, count(*)::int as n
    from m a join m b on b.profile_id = a.profile_id and a.segment_id <= b.segment_id
    group by a.segment_id, b.segment_id`);
  const counts = new Map<string, number>();
  for (const row of result.rows as Array<{ a: string; b: string; n: number }>) counts.set(`${row.a}|${row.b}`, Number(row.n));
  return counts;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** The pair's figures and whether DOMAIN.md's "nearly the same people: merge" applies. */
export function comparePair<T extends { slug: string }>(a: T, sizeA: number, b: T, sizeB: number, intersection: number): PairFigures<T> {
  const union = sizeA + sizeB - intersection;
  const jaccard = union === 0 ? 0 : intersection / union;
  const smaller = Math.min(sizeA, sizeB);
  const containment = smaller === 0 ? 0 : intersection / smaller;
  const sizeRatio = Math.max(sizeA, sizeB) === 0 ? 0 : smaller / Math.max(sizeA, sizeB);
  let mergeReason: MergeReason | null = null;
  let explanation = `${percent(jaccard)} of the people in either segment are in both (${intersection} shared).`;
  if (jaccard >= MERGE_JACCARD) {
    mergeReason = 'NEARLY_IDENTICAL';
    explanation = `Nearly the same people: Jaccard ${jaccard.toFixed(2)} >= ${MERGE_JACCARD}. Merge them, or sharpen one so they respond differently.`;
  } else if (containment >= MERGE_CONTAINMENT && sizeRatio >= MERGE_NESTED_MIN_SIZE_RATIO) {
    const [inner, outer] = sizeA <= sizeB ? [a, b] : [b, a];
    mergeReason = 'NEARLY_CONTAINED';
    explanation = `'${inner.slug}' lies ${percent(containment)} inside '${outer.slug}' and is ${percent(sizeRatio)} of its size: it adds little as a separate segment; merge them.`;
  }
  return { a, b, intersection, union, jaccard, containment, shouldMerge: mergeReason !== null, mergeReason, explanation };
}

/** Sizes, all pairs (in the order given) and their merge advice. */
export async function computeOverlap(db: Database, segments: readonly SegmentRow[]): Promise<Overlap> {
  const counts = await intersections(db, segments.map((s) => s.id));
  const between = (x: SegmentRow, y: SegmentRow) => counts.get(x.id <= y.id ? `${x.id}|${y.id}` : `${y.id}|${x.id}`) ?? 0;
  const sizes = segments.map((segment) => ({ segment, size: between(segment, segment) }));
  const pairs: OverlapPair[] = [];
  for (let i = 0; i < sizes.length; i++) {
    for (let j = i + 1; j < sizes.length; j++) {
      const x = sizes[i]!;
      const y = sizes[j]!;
      pairs.push(comparePair(x.segment, x.size, y.segment, y.size, between(x.segment, y.segment)));
    }
  }
  return { segments: sizes, pairs };
}
