/**
 * Validation of segment references: existence, status warnings and reference cycles.
 */
import type { Scope } from './rule.js';
import { describeValue, didYouMean, quote, type PathSegment, type ProblemList } from './validate-problems.js';
import { RULE_LIMITS } from './rule.js';

/**
 * What validation knows of another segment of the workspace.
 * @example const s: SegmentInfo = { status: 'published', scope: 'profile', references: ['loyal'] };
 */
export interface SegmentInfo {
  status: 'draft' | 'published' | 'archived';
  scope: Scope;
  references: readonly string[];
}

/**
 * The shortest chain of references from `from` back to `selfSlug` as slugs, starting and ending with
 * `selfSlug` (`['vip', 'loyal', 'vip']`), or `null` when `from` does not lead back. The stored
 * references of `selfSlug` itself are ignored: they are what is being replaced.
 * @example findReferenceCycle('loyal', 'vip', new Map([['loyal', { status: 'published', scope: 'edge', references: ['vip'] }]])); // ['vip', 'loyal', 'vip']
 */
export function findReferenceCycle(from: string, selfSlug: string, segments: ReadonlyMap<string, SegmentInfo>): string[] | null {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const slug = queue[head] as string;
    if (slug === selfSlug) {
      const chain: string[] = [];
      for (let at: string | null | undefined = slug; at != null; at = parent.get(at)) chain.push(at);
      return [selfSlug, ...chain.reverse()];
    }
    const references = segments.get(slug)?.references;
    if (!Array.isArray(references)) continue;
    for (const next of references as readonly unknown[]) {
      if (typeof next === 'string' && !parent.has(next)) {
        parent.set(next, slug);
        queue.push(next);
      }
    }
  }
  return null;
}

/**
 * Checks `{ "segment": slug }`: the slug must exist (error), should be published (warning
 * otherwise) and must not lead back to `selfSlug` (error naming the cycle). Returns the slug, or
 * `null` after an error.
 * @example validateSegmentRef('loyal', [], new Map([['loyal', { status: 'published', scope: 'profile', references: [] }]]), undefined, createProblemList(), createProblemList()); // 'loyal'
 */
export function validateSegmentRef(
  raw: unknown,
  path: readonly PathSegment[],
  segments: ReadonlyMap<string, SegmentInfo>,
  selfSlug: string | undefined,
  errors: ProblemList,
  warnings: ProblemList,
): string | null {
  const slugPath = [...path, 'segment'];
  if (typeof raw !== 'string' || raw === '' || raw.length > RULE_LIMITS.maxStringLength) {
    const got = typeof raw === 'string' ? (raw === '' ? 'an empty name' : `a name of ${raw.length} characters`) : describeValue(raw);
    errors.add(slugPath, 'invalid_segment', `'segment' must be the slug of a segment of this workspace, got ${got}`);
    return null;
  }
  const info = segments.get(raw);
  if (info === undefined && raw !== selfSlug) {
    errors.add(slugPath, 'unknown_segment', `No segment ${quote(raw)} in this workspace${didYouMean(raw, segments.keys())}`);
    return null;
  }
  if (selfSlug !== undefined) {
    const cycle = findReferenceCycle(raw, selfSlug, segments);
    if (cycle) {
      errors.add(slugPath, 'segment_cycle', `Segment ${quote(selfSlug)} would depend on itself: ${cycle.join(' -> ')}`);
      return null;
    }
  }
  if (info?.status === 'archived') {
    warnings.add(slugPath, 'segment_archived', `Segment ${quote(raw)} is archived: this reference is always false`);
  } else if (info?.status === 'draft') {
    warnings.add(slugPath, 'segment_unpublished', `Segment ${quote(raw)} is not published yet: this reference is false until it is`);
  }
  return raw;
}
