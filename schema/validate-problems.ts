/**
 * Small helpers of rule validation that other modules reuse: JSON paths, the capped problem list,
 * plain-language descriptions of values and "did you mean" suggestions.
 */

/**
 * One problem found in a rule: where (a JSON path such as `$.all[2].value`), a stable machine code
 * and a message a marketer understands.
 * @example const p: RuleProblem = { path: '$.attr', code: 'unknown_attribute', message: "Unknown attribute 'geo.cuntry'; did you mean 'geo.country'?" };
 */
export interface RuleProblem {
  path: string;
  code: string;
  message: string;
  /** What was probably meant, when something close is known (a warning's "did you mean"). */
  suggestion?: string;
}

/**
 * One step of a JSON path: an object key or an array index.
 * @example const p: PathSegment[] = ['all', 2, 'value'];
 */
export type PathSegment = string | number;

/**
 * At most this many problems are listed; the last one then says how many were left out.
 * @example createProblemList().toArray().length <= MAX_PROBLEMS; // always
 */
export const MAX_PROBLEMS = 100;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats path segments as a JSON path: `$`, `$.all[2].value[3]`, `$["odd key"]`.
 * @example formatPath(['all', 2, 'value']); // '$.all[2].value'
 * @example formatPath(['odd key']); // '$["odd key"]'
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Collects problems, keeping at most `MAX_PROBLEMS` but counting all of them.
 * @example const list = createProblemList(); list.add(['all', 0], 'not_object', 'A rule must be an object'); list.toArray().length; // 1
 */
export interface ProblemList {
  add(path: readonly PathSegment[], code: string, message: string, suggestion?: string): void;
  /** Every problem added, including ones beyond the cap. */
  readonly count: number;
  /** The problems, capped: past the cap the last entry says how many more were omitted. */
  toArray(): RuleProblem[];
}

/**
 * Creates an empty `ProblemList`.
 * @example const errors = createProblemList(); errors.add([], 'not_object', 'A rule must be an object'); errors.count; // 1
 */
export function createProblemList(): ProblemList {
  const kept: RuleProblem[] = [];
  let count = 0;
  return {
    add(path, code, message, suggestion) {
      count += 1;
      if (kept.length < MAX_PROBLEMS) kept.push(suggestion === undefined ? { path: formatPath(path), code, message } : { path: formatPath(path), code, message, suggestion });
    },
    get count() {
      return count;
    },
    toArray() {
      if (count <= MAX_PROBLEMS) return [...kept];
      const shown = kept.slice(0, MAX_PROBLEMS - 1);
      const omitted = count - shown.length;
      shown.push({ path: '$', code: 'too_many_problems', message: `${omitted} more problems were omitted; fix the ones above first` });
      return shown;
    },
  };
}

/**
 * Quotes user text for a message, shortened so a huge string cannot flood it.
 * @example quote('geo.cuntry'); // "'geo.cuntry'"
 */
export function quote(text: string, max = 60): string {
  return `'${text.length > max ? `${text.slice(0, max)}...` : text}'`;
}

/**
 * Describes what was found, in words: `a number`, `a list`, `'abc'`, `nothing`.
 * @example describeValue(42); // 'a number'
 * @example describeValue('vn'); // "'vn'"
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? 'a number' : String(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return 'a big integer';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let previousBest = 0;
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] ?? 0) + 1);
      current.push(value);
      if (value < best) best = value;
    }
    // A swap reaches back two rows, so only two rows over the limit prove the distance is too.
    if (best > limit && previousBest > limit) return limit + 1;
    previousBest = best;
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The known name closest to `name` (case-insensitive edit distance, or a known name that ends
 * with `.name`), when one is close enough to be a likely typo; otherwise `undefined`.
 * @example suggestClosest('geo.cuntry', ['geo.country', 'geo.city']); // 'geo.country'
 * @example suggestClosest('country', ['geo.country']); // 'geo.country'
 */
export function suggestClosest(name: string, known: Iterable<string>): string | undefined {
  if (name.length === 0 || name.length > 64) return undefined;
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let suffixMatch: string | undefined;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase(), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
    if (suffixMatch === undefined && candidate.endsWith(`.${name}`)) suffixMatch = candidate;
  }
  return best ?? suffixMatch;
}

/**
 * `"; did you mean 'x'?"` when there is a close known name, else the empty string.
 * @example didYouMean('valeu', ['attr', 'op', 'value']); // "; did you mean 'value'?"
 */
export function didYouMean(name: string, known: Iterable<string>): string {
  const suggestion = suggestClosest(name, known);
  return suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
}

/**
 * Reads an own property only (never the prototype chain, never `in`).
 * @example ownValue({ op: 'eq' }, 'op'); // 'eq'
 * @example ownValue({}, 'constructor'); // undefined
 */
export function ownValue(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/**
 * True for values that can hold rule keys: non-null, non-array objects.
 * @example isRecord({ all: [] }); // true
 * @example isRecord([]); // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Keys that are never accepted anywhere in a rule (prototype pollution).
 * @example FORBIDDEN_KEYS.includes('__proto__'); // true
 */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Reports forbidden keys and keys outside `allowed` of one rule object (`what` names it in
 * messages); true when there was none.
 * @example checkKeys({ attr: 'geo.city', op: 'eq', valeu: 'Hanoi' }, ['attr', 'op', 'value'], [], createProblemList(), 'a condition'); // false: "Unknown key 'valeu' in a condition; did you mean 'value'?"
 */
export function checkKeys(
  object: object,
  allowed: readonly string[],
  path: readonly PathSegment[],
  errors: ProblemList,
  what: string,
): boolean {
  let ok = true;
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    ok = false;
    if (FORBIDDEN_KEYS.includes(key)) {
      errors.add([...path, key], 'forbidden_key', `The key ${quote(key)} is not allowed in a rule`);
    } else {
      const hint = didYouMean(key, allowed);
      errors.add([...path, key], 'unknown_key', `Unknown key ${quote(key)} in ${what}${hint || `; allowed keys: ${allowed.join(', ')}`}`);
    }
  }
  return ok;
}
