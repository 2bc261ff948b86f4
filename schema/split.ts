/**
 * A/B splits inside a segment: a deterministic, sticky assignment of a subject (a profile id, or,
 * at the edge, a visitor id for visitors not identified) to one of a split's weighted variants.
 * Pure: no IO, no clock, no randomness; the same split name and subject always land in the same
 * variant, in the API, in SQL (`ae_split_hash`, the migration `segment_splits`) and in the Worker.
 *
 * The hash is 32-bit FNV-1a over the UTF-8 bytes of `${splitName}:${subjectId}`. Variants own
 * consecutive ranges of the 2^32 hash values, in their order, sized by their weights; the range
 * ends are integers so that TypeScript and SQL compare exactly the same numbers.
 */

/** One variant of a split: its name and its relative weight (> 0). */
export interface SplitVariant {
  readonly name: string;
  readonly weight: number;
}

/** A problem in a split definition, with the JSON path where it is. */
export interface SplitProblem {
  readonly path: string;
  readonly message: string;
}

export type SplitValidation = { ok: true; value: SplitVariant[] } | { ok: false; errors: SplitProblem[] };

/** The number of distinct hash values: 2^32. */
export const HASH_RANGE = 4_294_967_296;
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 10;
export const MAX_SPLIT_NAME_LENGTH = 64;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `text`, as an unsigned integer.
 * @example fnv1a32('a'); // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * The hash that places `subjectId` in split `splitName`, in [0, 2^32).
 * @example splitHash('hero-banner', 'visitor-1') === fnv1a32('hero-banner:visitor-1'); // true
 */
export function splitHash(splitName: string, subjectId: string): number {
  return fnv1a32(`${splitName}:${subjectId}`);
}

/**
 * Where `subjectId` falls in split `splitName`, uniformly spread over [0, 1).
 * @example const u = splitBucket('hero-banner', 'visitor-1'); // 0 <= u && u < 1
 */
export function splitBucket(splitName: string, subjectId: string): number {
  return splitHash(splitName, subjectId) / HASH_RANGE;
}

/**
 * The exclusive upper ends of the variants' hash ranges, in variant order: variant i holds the
 * hashes h with bounds[i-1] <= h < bounds[i]. The last bound is always 2^32.
 * @example variantBounds([{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }]); // [1073741824, 4294967296]
 */
export function variantBounds(variants: readonly SplitVariant[]): number[] {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let cumulative = 0;
  return variants.map((v, i) => {
    cumulative += v.weight;
    return i === variants.length - 1 ? HASH_RANGE : Math.min(HASH_RANGE, Math.floor((cumulative / total) * HASH_RANGE));
  });
}

/**
 * The index of the variant whose range holds `hash` (the number of bounds <= hash, as SQL counts it).
 * @example variantIndexOf(2_000_000_000, [1073741824, 4294967296]); // 1
 */
export function variantIndexOf(hash: number, bounds: readonly number[]): number {
  let index = 0;
  for (const bound of bounds) if (bound <= hash) index++;
  return Math.min(index, bounds.length - 1);
}

/**
 * The variant of split `splitName` that `subjectId` gets: sticky (a pure function of its arguments)
 * and, over many subjects, in proportion to the weights.
 * @example assignVariant('hero-banner', 'visitor-1', [{ name: 'control', weight: 1 }, { name: 'new', weight: 1 }]).name; // 'control' or 'new', always the same
 */
export function assignVariant(splitName: string, subjectId: string, variants: readonly SplitVariant[]): SplitVariant {
  const index = variantIndexOf(splitHash(splitName, subjectId), variantBounds(variants));
  const variant = variants[index];
  if (!variant) throw new RangeError('assignVariant needs at least one variant');
  return variant;
}

/**
 * Checks a split's name and variants: 2 to 10 variants with unique non-empty names, each weight a
 * finite number > 0, adding up to a finite sum. Never throws.
 * @example validateSplit('cta', [{ name: 'a', weight: 1 }, { name: 'a', weight: 0 }]).ok; // false
 */
export function validateSplit(name: string, variants: readonly SplitVariant[]): SplitValidation {
  const errors: SplitProblem[] = [];
  if (name.trim() === '' || name.length > MAX_SPLIT_NAME_LENGTH) errors.push({ path: 'name', message: `must be 1 to ${MAX_SPLIT_NAME_LENGTH} characters, not blank` });
  if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS) {
    errors.push({ path: 'variants', message: `must have ${MIN_VARIANTS} to ${MAX_VARIANTS} variants, not ${variants.length}` });
  }
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (v.name.trim() === '' || v.name.length > MAX_SPLIT_NAME_LENGTH) errors.push({ path: `variants[${i}].name`, message: `must be 1 to ${MAX_SPLIT_NAME_LENGTH} characters, not blank` });
    else if (seen.has(v.name)) errors.push({ path: `variants[${i}].name`, message: `'${v.name}' is used twice: variant names must be unique` });
    seen.add(v.name);
    if (!Number.isFinite(v.weight) || v.weight <= 0) errors.push({ path: `variants[${i}].weight`, message: 'must be a number greater than 0' });
  });
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  if (errors.length === 0 && !(Number.isFinite(total) && total > 0)) errors.push({ path: 'variants', message: 'the weights must add up to a finite number greater than 0' });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: variants.map((v) => ({ name: v.name, weight: v.weight })) };
}
