/**
 * A per-attribute index of a prepared ruleset: given the attribute's value in a request, which of
 * the conditions on that attribute hold. `eq` / `in` conditions are found with one hash lookup;
 * the other value tests (globs, substrings, ranges, `neq`, `notIn`) do not depend on "now", so the
 * set that holds for a value is computed once and cached across requests (pages, countries, hours
 * repeat across visitors). Conditions that hold only for a missing value (`notExists`) or that
 * depend on the clock (dates) are not indexed.
 */
import type { AttrValue } from './context.js';
import type { ConditionTest } from './ruleset-conditions.js';
import type { ConditionEntry } from './ruleset-types.js';

const CACHE_LIMIT = 4096;
const EMPTY = new Int32Array(0);

export class AttributeIndex {
  private readonly exact = new Map<string | number, number[]>();
  private readonly derived: number[] = [];
  private readonly cache = new Map<string | number, Int32Array>();

  constructor(
    readonly attr: number,
    readonly type: 'string' | 'number',
  ) {}

  /** Whether `entry` can be indexed here (then call `add`). */
  static accepts(entry: ConditionEntry): entry is [string, 'string' | 'number', ConditionEntry[2], ConditionEntry[3]] {
    const [, type, op] = entry;
    return (type === 'string' || type === 'number') && op !== 'exists' && op !== 'notExists';
  }

  add(cond: number, [, , op, value]: ConditionEntry): void {
    const keys = value.kind === 'scalar' ? [value.value] : value.kind === 'list' ? value.values : [];
    if ((op === 'eq' || op === 'in') && keys.every((k) => typeof k === this.type)) {
      for (const key of new Set(keys as Array<string | number>)) {
        const list = this.exact.get(key);
        if (list) list.push(cond);
        else this.exact.set(key, [cond]);
      }
    } else this.derived.push(cond);
  }

  /** Calls `mark` for every indexed condition that holds for `value`. */
  lookup(value: AttrValue, tests: readonly ConditionTest[], now: number, mark: (cond: number) => void): void {
    if (typeof value !== this.type || (typeof value === 'number' && !Number.isFinite(value))) return;
    const key = value as string | number;
    const exact = this.exact.get(key);
    if (exact) for (const c of exact) mark(c);
    if (this.derived.length === 0) return;
    let holding = this.cache.get(key);
    if (!holding) {
      const found = this.derived.filter((c) => (tests[c] as ConditionTest)(value, now));
      holding = found.length === 0 ? EMPTY : Int32Array.from(found);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, holding);
    }
    for (const c of holding) mark(c);
  }
}
