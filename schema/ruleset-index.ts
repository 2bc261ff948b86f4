/**
 * A per-attribute index of a prepared ruleset (a bitmap index, as ad-serving matchers use). Given
 * the attribute's value in a request, it answers with
 * - the indexed conditions on that attribute that hold (those the rules read elsewhere), and
 * - a bitset of the segments that survive this attribute: those whose every required condition on
 *   it (a top-level conjunct of the rule) holds, plus those with no required condition on it.
 * A request ANDs the bitsets of its attributes (a few dozen words for a thousand segments): what is
 * left are the only segments worth evaluating further.
 *
 * `eq` / `in` conditions are found with one hash lookup; the other value tests (globs, substrings,
 * ranges, `neq`, `notIn`) do not depend on "now", so everything a value implies is computed once
 * and cached across requests (pages, countries, hours repeat across visitors). Conditions that hold
 * for a missing value (`notExists`) or that depend on the clock (dates) are not indexed.
 */
import type { AttrValue } from './context.js';
import type { ConditionTest } from './ruleset-conditions.js';
import type { ConditionEntry } from './ruleset-types.js';

const CACHE_LIMIT = 4096;
const EMPTY = new Int32Array(0);

/**
 * What a value of the attribute implies: the indexed conditions to mark as holding, and the
 * surviving segments as a bitset (bit `s % 32` of word `s >> 5`; null when all survive).
 * @example const hit: IndexHit = { conditions: new Int32Array([3]), survivors: null, clauses: new Int32Array(0) };
 */
export interface IndexHit {
  readonly conditions: Int32Array;
  readonly survivors: Int32Array | null;
  /** Segments with a clause that this value satisfies, as pairs (word, bits) of a sparse bitset. */
  readonly clauses: Int32Array;
}

function listOf(map: Map<number, number[]>, key: number): number[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/**
 * What ties segments to the conditions of one index, as flat pairs (segment, condition).
 * @example const links: IndexLinks = { required: [0, 3], forbidden: [], clauses: [] };
 */
export interface IndexLinks {
  required: number[];
  forbidden: number[];
  clauses: number[];
}

/**
 * The index of one attribute read as one type (`string` or `number`).
 * @example const index = new AttributeIndex(0, 'string'); index.add(0, ['geo.country', 'string', 'eq', { kind: 'scalar', value: 'VN' }]);
 */
export class AttributeIndex {
  private readonly exact = new Map<string | number, number[]>();
  private readonly derived: number[] = [];
  private readonly cache = new Map<string | number, IndexHit>();
  /** Per condition of this index: the segments that require it. */
  private readonly requiredBy = new Map<number, number[]>();
  /** Per condition of this index: the segments with a clause (an `or` of indexed conditions) that it satisfies. */
  private readonly clauseBy = new Map<number, number[]>();
  /** Per condition of this index: the segments that forbid it (a negated top-level conjunct). */
  private readonly forbiddenBy = new Map<number, number[]>();
  /** Per segment: how many distinct conditions of this index it requires. */
  private requiredCount = new Uint16Array(0);
  /** Segments that require nothing of this index (all edge segments when null). */
  private base: Int32Array | null = null;
  /** Conditions whose truth the rules read at run time (the others only filter through bitsets). */
  private read: Uint8Array = new Uint8Array(0);
  private missing: IndexHit = { conditions: EMPTY, survivors: null, clauses: EMPTY };

  constructor(
    readonly attr: number,
    readonly type: 'string' | 'number',
  ) {}

  /**
   * Whether `entry` can be indexed (then call `add` on the index of its attribute and type).
   * @example AttributeIndex.accepts(['geo.country', 'string', 'exists', { kind: 'none' }]); // false
   */
  static accepts(entry: ConditionEntry): entry is [string, 'string' | 'number', ConditionEntry[2], ConditionEntry[3]] {
    const [, type, op] = entry;
    return (type === 'string' || type === 'number') && op !== 'exists' && op !== 'notExists';
  }

  /** Indexes condition `cond`, which `accepts`. */
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

  /**
   * Sets, once all conditions are added, which segments require which conditions of this index,
   * which they forbid (conditions that must not hold) and which make up their clause (`links`, as
   * flat pairs segment, condition, in ascending segment order; every condition one added to this
   * index), among the edge segments worth
   * evaluating (`universe`, a bitset of `segments` bits), and which conditions the rules read at run
   * time. A missing value satisfies no indexed condition, so it never excludes a segment through
   * what it forbids.
   */
  finish(universe: Int32Array, segments: number, links: IndexLinks, read: Uint8Array): void {
    this.requiredCount = new Uint16Array(segments);
    const base = universe.slice();
    let all = true;
    const { required, forbidden, clauses } = links;
    for (let k = 0; k < required.length; k += 2) {
      const s = required[k] as number;
      const by = listOf(this.requiredBy, required[k + 1] as number);
      // A condition required twice by one segment counts once (its pairs are consecutive in `by`).
      if (by[by.length - 1] === s) continue;
      by.push(s);
      this.requiredCount[s] = (this.requiredCount[s] as number) + 1;
      base[s >> 5] = (base[s >> 5] as number) & ~(1 << (s & 31));
      all = false;
    }
    for (let k = 0; k < forbidden.length; k += 2) {
      listOf(this.forbiddenBy, forbidden[k + 1] as number).push(forbidden[k] as number);
      all = false;
    }
    for (let k = 0; k < clauses.length; k += 2) listOf(this.clauseBy, clauses[k + 1] as number).push(clauses[k] as number);
    this.base = all ? null : base;
    this.read = read;
    this.missing = { conditions: EMPTY, survivors: this.base, clauses: EMPTY };
    this.cache.clear();
  }

  /** What `value` implies, given the ruleset's condition tests. */
  lookup(value: AttrValue, tests: readonly ConditionTest[]): IndexHit {
    if (typeof value !== this.type) return this.missing;
    const key = value as string | number;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (typeof key === 'number' && !Number.isFinite(key)) return this.missing;
    return this.fill(key, tests);
  }

  private fill(key: string | number, tests: readonly ConditionTest[]): IndexHit {
    const holding = [...(this.exact.get(key) ?? [])];
    // Derived tests do not read "now" (see `accepts`): 0 stands in for it.
    for (const c of this.derived) if ((tests[c] as ConditionTest)(key, 0)) holding.push(c);
    let survivors: Int32Array | null = null;
    if (this.base !== null) {
      survivors = this.base.slice();
      const hits = new Map<number, number>();
      for (const c of new Set(holding)) for (const s of this.requiredBy.get(c) ?? []) hits.set(s, (hits.get(s) ?? 0) + 1);
      for (const [s, n] of hits) if (n === this.requiredCount[s]) survivors[s >> 5] = (survivors[s >> 5] as number) | (1 << (s & 31));
      for (const c of holding) for (const s of this.forbiddenBy.get(c) ?? []) survivors[s >> 5] = (survivors[s >> 5] as number) & ~(1 << (s & 31));
    }
    const marked = holding.filter((c) => this.read[c] === 1);
    const clauseWords = new Map<number, number>();
    for (const c of holding) for (const s of this.clauseBy.get(c) ?? []) clauseWords.set(s >> 5, (clauseWords.get(s >> 5) ?? 0) | (1 << (s & 31)));
    const clauses = clauseWords.size === 0 ? EMPTY : Int32Array.from([...clauseWords].flat());
    const hit: IndexHit = { conditions: marked.length === 0 ? EMPTY : Int32Array.from(marked), survivors, clauses };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, hit);
    return hit;
  }
}
