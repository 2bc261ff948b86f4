/**
 * The A/B splits a ruleset carries to the edge (the optional `splits` field of a `Ruleset`): which
 * splits compileRuleset writes, how the edge checks what it downloads, and the variants one visitor
 * gets. Pure; the assignment itself is schema/split.ts, the same hash as the API's and SQL's.
 */
import { assignVariant, validateSplit, type SplitVariant } from './split.js';
import type { RulesetSplit } from './ruleset-types.js';

/** The most splits one ruleset carries. */
export const MAX_RULESET_SPLITS = 10_000;

/**
 * The key of a split in a visitor's variants: `<segment slug>:<split name>`.
 * @example splitKey('vn-mobile', 'hero'); // 'vn-mobile:hero'
 */
export const splitKey = (segment: string, name: string): string => `${segment}:${name}`;

/**
 * The splits to write into a ruleset: those of segments in `slugs`, valid, the first of each
 * segment and name, in the given order, at most MAX_RULESET_SPLITS.
 * @example compileSplits([{ segment: 'x', name: 'hero', variants: [] }], new Set(['x'])); // [] (too few variants)
 */
export function compileSplits(splits: readonly RulesetSplit[], slugs: ReadonlySet<string>): RulesetSplit[] {
  const seen = new Set<string>();
  const out: RulesetSplit[] = [];
  for (const split of splits) {
    const key = splitKey(split.segment, split.name);
    if (!slugs.has(split.segment) || seen.has(key)) continue;
    const checked = validateSplit(split.name, split.variants);
    if (!checked.ok) continue;
    seen.add(key);
    out.push({ segment: split.segment, name: split.name, variants: checked.value });
    if (out.length === MAX_RULESET_SPLITS) break;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a downloaded `splits` field (absent is fine): an array of unique `{ segment, name,
 * variants }` whose segment is one of the ruleset's and whose variants validateSplit accepts.
 * Appends the problems to `errors`.
 * @example const errors: string[] = []; checkSplits('nope', new Set(), errors); errors.length; // 1
 */
export function checkSplits(raw: unknown, slugs: ReadonlySet<string>, errors: string[]): void {
  if (raw === undefined) return;
  if (!Array.isArray(raw) || raw.length > MAX_RULESET_SPLITS) {
    errors.push(`splits must be an array of at most ${MAX_RULESET_SPLITS} splits`);
    return;
  }
  const seen = new Set<string>();
  raw.forEach((s: unknown, i) => {
    const wellTyped =
      isObject(s) &&
      typeof s.segment === 'string' &&
      typeof s.name === 'string' &&
      Array.isArray(s.variants) &&
      s.variants.every((v: unknown) => isObject(v) && typeof v.name === 'string' && typeof v.weight === 'number');
    if (!wellTyped) return errors.push(`splits[${i}] must be { segment, name, variants: [{ name, weight }] }`);
    const split = s as unknown as RulesetSplit;
    if (!slugs.has(split.segment)) return errors.push(`splits[${i}] names segment '${split.segment.slice(0, 200)}', which is not in the ruleset`);
    const key = splitKey(split.segment, split.name);
    if (seen.has(key)) return errors.push(`splits[${i}] (${key.slice(0, 200)}) is listed twice`);
    seen.add(key);
    const checked = validateSplit(split.name, split.variants);
    if (!checked.ok) errors.push(`splits[${i}] is invalid: ${checked.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  });
}

/**
 * The variant of every split whose segment is among `tags`, for one subject (at the edge: the
 * profile id of an identified visitor when known, else the visitor id), keyed by `splitKey`.
 * Sticky: the same subject always gets the same variants.
 * @example variantsOf([{ segment: 'x', name: 'hero', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }], ['x'], 'visitor-1'); // { 'x:hero': 'a' or 'b' }
 */
export function variantsOf(splits: readonly RulesetSplit[], tags: readonly string[], subjectId: string): Record<string, string> {
  const variants: Record<string, string> = {};
  if (splits.length === 0 || tags.length === 0) return variants;
  const tagged = new Set(tags);
  for (const split of splits) {
    if (tagged.has(split.segment)) variants[splitKey(split.segment, split.name)] = assignVariant(split.name, subjectId, split.variants).name;
  }
  return variants;
}

export type { RulesetSplit, SplitVariant };
