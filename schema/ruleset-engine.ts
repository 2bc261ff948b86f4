/**
 * The edge evaluator behind `prepareRuleset` / `evaluateRuleset` (schema/ruleset-prepare.ts). Built
 * once per ruleset: condition tests, a bitmap index per attribute (schema/ruleset-index.ts), event
 * counts (schema/ruleset-events.ts) and every rule as a flat branch program whose required and
 * forbidden indexed conditions (top-level conjuncts on indexed attributes, and negated ones) come
 * first (schema/ruleset-program.ts).
 *
 * Per request: one cached hash lookup per indexed attribute yields the indexed conditions that hold
 * and the bitset of segments that survive that attribute; ANDing those into one bitset leaves the
 * segments whose required conditions all hold and forbidden ones do not. Of those, the segments with
 * nothing left (a precomputed mask) are tags at once, those left with one event count (or its
 * negation) test it directly, and only the others run the rest of their program. Other conditions,
 * event counts and referenced segments are computed lazily, at most once per request, and shared by
 * all segments that use them. Per-request memory is reused (typed arrays, a stamp counter), so an
 * evaluation allocates almost nothing but its answer. No code is generated from strings.
 */
import { ATTRIBUTES_PROTOTYPE, type AttrValue, type EvalContext } from './context.js';
import { compileCondition, type ConditionTest } from './ruleset-conditions.js';
import { EventCounts } from './ruleset-events.js';
import { AttributeIndex, type IndexLinks } from './ruleset-index.js';
import { ACCEPT, LEAF_CONDITION, LEAF_COUNT, LEAF_INDEXED, layoutRules, REJECT } from './ruleset-program.js';
import type { ConditionEntry, Ruleset } from './ruleset-types.js';

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

const EMPTY_CONTEXT: EvalContext = { attributes: {}, events: [] };

/**
 * A prepared ruleset's evaluator, for a ruleset that passed `checkRuleset`.
 * @example new Engine(checked.ruleset).evaluate(ctx, Date.now()); // ['vn-mobile']
 */
export class Engine {
  readonly version: string;
  readonly maxPageViewDays: number;
  private readonly attrNames: string[] = [];
  private readonly condAttr: Int32Array;
  private readonly condTests: ConditionTest[];
  private readonly indexes: AttributeIndex[] = [];
  /** Per condition: its attribute index (in `indexes`), -1 when not indexed. */
  private readonly indexOf: Int32Array;
  private readonly counts: EventCounts;
  private readonly slugs: string[];
  private readonly profileScoped: Uint8Array;
  private readonly profileBySlug = new Map<string, number>();
  /** The branch program of every rule, and each segment's entry and entry after its required part. */
  private readonly code: Int32Array;
  private readonly onTrue: Int32Array;
  private readonly onFalse: Int32Array;
  private readonly entry: Int32Array;
  private readonly afterRequired: Int32Array;
  /** Per segment: when all that follows its required part is one event count (or its negation), that count; else -1. */
  private readonly onlyCount: Int32Array;
  /** Per segment, that count's 4 numbers (EventCounts.copyCount), read in segment order. */
  private readonly countParams: Float64Array;
  /** Whether rules reference segments (whose values are then memoised per request). */
  private readonly references: boolean;
  /** Bitset of the edge segments whose rule can hold. */
  private readonly universe: Int32Array;

  // Per-request state, valid where the matching *Stamp equals `stamp`.
  private stamp = 0;
  private ctx: EvalContext = EMPTY_CONTEXT;
  private now = 0;
  /** Whether the attributes object's prototype chain is empty (as buildEdgeContext makes it): then a plain read is an own read. */
  private bare = false;
  private readonly attrStamp: Uint32Array;
  private readonly attrValues: AttrValue[];
  /** Indexed conditions that hold (those the rules read): marked by the index lookups. */
  private readonly trueStamp: Uint32Array;
  private readonly condStamp: Uint32Array;
  private readonly condValues: Uint8Array;
  private readonly segStamp: Uint32Array;
  private readonly segValues: Uint8Array;
  /** The segments that survive every attribute of this request (a bitset). */
  private readonly alive: Int32Array;
  /** This request's answer, as a bitset. */
  private readonly result: Int32Array;
  /** Segments with nothing left after their required part, those left with one event count, and with its negation. */
  private readonly acceptOnly: Int32Array;
  private readonly countOnly: Int32Array;
  private readonly countNot: Int32Array;
  /**
   * Segments with a required clause (one of its indexed conditions must hold), segments left with a
   * clause or one event count (onlyCount), and this request's segments whose clause holds.
   */
  private readonly clauseRequired: Int32Array;
  private readonly clauseOrCount: Int32Array;
  private readonly clauseSat: Int32Array;
  private readonly clauses: boolean;

  constructor(ruleset: Ruleset) {
    this.version = ruleset.version;
    this.maxPageViewDays = ruleset.maxPageViewDays;
    const attrIndex = new Map<string, number>();
    const n = ruleset.conditions.length;
    this.condAttr = new Int32Array(n);
    this.indexOf = new Int32Array(n).fill(-1);
    this.condTests = ruleset.conditions.map((entry, i) => {
      let a = attrIndex.get(entry[0]);
      if (a === undefined) attrIndex.set(entry[0], (a = this.attrNames.push(entry[0]) - 1));
      this.condAttr[i] = a;
      this.indexCondition(entry, i, a);
      const [attr, attrType, op, value] = entry;
      return compileCondition({ kind: 'condition', attr, attrType, op, value });
    });
    this.counts = new EventCounts(ruleset.filters, ruleset.propertyConditions, ruleset.counts);
    const segments = ruleset.segments;
    this.slugs = segments.map((s) => s.slug);
    this.profileScoped = Uint8Array.from(segments, (s) => (s.scope === 'profile' ? 1 : 0));
    segments.forEach((s, i) => {
      if (s.scope === 'profile') this.profileBySlug.set(s.slug, i);
    });
    const layout = layoutRules(segments, n, (c) => (this.indexOf[c] as number) >= 0);
    ({ code: this.code, onTrue: this.onTrue, onFalse: this.onFalse, entry: this.entry, afterRequired: this.afterRequired } = layout);
    const words = (segments.length + 31) >> 5;
    this.acceptOnly = new Int32Array(words);
    this.countOnly = new Int32Array(words);
    this.countNot = new Int32Array(words);
    this.clauseRequired = new Int32Array(words);
    this.clauseOrCount = new Int32Array(words);
    this.onlyCount = Int32Array.from(this.afterRequired, (pc, s) => {
      const bit = 1 << (s & 31);
      if (layout.clauseKind[s] === 1) this.clauseRequired[s >> 5] = (this.clauseRequired[s >> 5] as number) | bit;
      else if (layout.clauseKind[s] === 2) {
        this.clauseOrCount[s >> 5] = (this.clauseOrCount[s >> 5] as number) | bit;
        return layout.clauseCount[s] as number;
      }
      if (pc === ACCEPT) this.acceptOnly[s >> 5] = (this.acceptOnly[s >> 5] as number) | bit;
      const op = pc >= 0 ? (this.code[pc] as number) : -1;
      if (op < 0 || (op & 3) !== LEAF_COUNT) return -1;
      const onTrue = this.onTrue[pc];
      const onFalse = this.onFalse[pc];
      if (onTrue === ACCEPT && onFalse === REJECT) this.countOnly[s >> 5] = (this.countOnly[s >> 5] as number) | bit;
      else if (onTrue === REJECT && onFalse === ACCEPT) this.countNot[s >> 5] = (this.countNot[s >> 5] as number) | bit;
      else return -1;
      return op >> 2;
    });
    this.countParams = new Float64Array(segments.length * 4);
    this.onlyCount.forEach((count, s) => {
      if (count >= 0) this.counts.copyCount(count, this.countParams, s << 2);
    });
    this.references = layout.references;
    const universe = (this.universe = new Int32Array(words));
    const links: IndexLinks[] = this.indexes.map(() => ({ required: [], forbidden: [], clauses: [] }));
    const link = (list: 'required' | 'forbidden' | 'clauses', s: number, conds: readonly number[] | null) => {
      for (const c of conds ?? []) {
        const x = this.indexOf[c] as number;
        if (x >= 0) (links[x] as IndexLinks)[list].push(s, c);
      }
    };
    layout.required.forEach((r, s) => {
      if (r === null) return;
      universe[s >> 5] = (universe[s >> 5] as number) | (1 << (s & 31));
      link('required', s, r);
      link('forbidden', s, layout.forbidden[s] as number[]);
      link('clauses', s, layout.clauses[s] as number[] | null);
    });
    this.indexes.forEach((index, x) => index.finish(universe, segments.length, links[x] as IndexLinks, layout.read));

    const attrs = this.attrNames.length;
    this.attrStamp = new Uint32Array(attrs);
    this.attrValues = new Array<AttrValue>(attrs).fill(undefined);
    this.trueStamp = new Uint32Array(n);
    this.condStamp = new Uint32Array(n);
    this.condValues = new Uint8Array(n);
    this.segStamp = new Uint32Array(segments.length);
    this.segValues = new Uint8Array(segments.length);
    this.alive = new Int32Array(universe.length);
    this.result = new Int32Array(universe.length);
    this.clauseSat = new Int32Array(universe.length);
    this.clauses = layout.clauses.some((c) => c !== null);
  }

  private indexCondition(entry: ConditionEntry, cond: number, attr: number): void {
    if (!AttributeIndex.accepts(entry)) return;
    let x = this.indexes.findIndex((index) => index.attr === attr && index.type === entry[1]);
    if (x < 0) x = this.indexes.push(new AttributeIndex(attr, entry[1])) - 1;
    (this.indexes[x] as AttributeIndex).add(cond, entry);
    this.indexOf[cond] = x;
  }

  private attribute(a: number): AttrValue {
    if (this.attrStamp[a] !== this.stamp) {
      this.attrStamp[a] = this.stamp;
      const name = this.attrNames[a] as string;
      const attributes = this.ctx.attributes;
      this.attrValues[a] = this.bare || Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    }
    return this.attrValues[a];
  }

  private condition(i: number): boolean {
    if (this.condStamp[i] !== this.stamp) {
      this.condStamp[i] = this.stamp;
      this.condValues[i] = (this.condTests[i] as ConditionTest)(this.attribute(this.condAttr[i] as number), this.now) ? 1 : 0;
    }
    return this.condValues[i] === 1;
  }

  private segment(i: number): boolean {
    if (this.profileScoped[i] === 1) return (this.ctx.memberships ?? []).includes(this.slugs[i] as string);
    return this.decide(i, this.entry[i] as number);
  }

  /** Segment `s`'s value, running its program from `pc` unless known for this request. */
  private decide(s: number, pc: number): boolean {
    if (this.segStamp[s] === this.stamp) return this.segValues[s] === 1;
    const value = this.run(pc);
    this.segStamp[s] = this.stamp;
    this.segValues[s] = value ? 1 : 0;
    return value;
  }

  /** Interprets the branch program from `pc` to ACCEPT or REJECT. */
  private run(pc: number): boolean {
    const { code, onTrue, onFalse, trueStamp } = this;
    const stamp = this.stamp;
    while (pc >= 0) {
      const op = code[pc] as number;
      const arg = op >> 2;
      let value: boolean;
      switch (op & 3) {
        case LEAF_INDEXED:
          value = trueStamp[arg] === stamp;
          break;
        case LEAF_CONDITION:
          value = this.condition(arg);
          break;
        case LEAF_COUNT:
          value = this.counts.holds(arg, this.ctx.events, this.now, stamp);
          break;
        default:
          value = this.segment(arg);
      }
      pc = (value ? onTrue[pc] : onFalse[pc]) as number;
    }
    return pc === ACCEPT;
  }

  private nextStamp(): void {
    if (this.stamp === 0xffffffff) {
      for (const a of [this.attrStamp, this.trueStamp, this.condStamp, this.segStamp]) a.fill(0);
      this.counts.reset();
      this.stamp = 0;
    }
    this.stamp++;
  }

  evaluate(ctx: EvalContext, now: number): string[] {
    this.nextStamp();
    this.ctx = ctx;
    this.now = now;
    const proto: unknown = Object.getPrototypeOf(ctx.attributes);
    this.bare = proto === null || proto === ATTRIBUTES_PROTOTYPE;
    const { stamp, trueStamp, afterRequired, onlyCount, indexes, universe } = this;
    const alive = this.alive;
    alive.set(universe);
    const words = universe.length;
    const clauseSat = this.clauseSat;
    clauseSat.fill(0);
    for (let x = 0; x < indexes.length; x++) {
      const index = indexes[x] as AttributeIndex;
      const hit = index.lookup(this.attribute(index.attr), this.condTests);
      const conditions = hit.conditions;
      for (let k = 0; k < conditions.length; k++) trueStamp[conditions[k] as number] = stamp;
      const survivors = hit.survivors;
      if (survivors !== null) for (let w = 0; w < words; w++) alive[w] = (alive[w] as number) & (survivors[w] as number);
      const pairs = hit.clauses;
      for (let k = 0; k < pairs.length; k += 2) clauseSat[pairs[k] as number] = (clauseSat[pairs[k] as number] as number) | (pairs[k + 1] as number);
    }
    if (this.clauses) {
      const required = this.clauseRequired;
      for (let w = 0; w < words; w++) alive[w] = (alive[w] as number) & (~(required[w] as number) | (clauseSat[w] as number));
    }
    const result = this.result;
    let total = 0;
    if (this.references) {
      for (let w = 0; w < words; w++) {
        let word = alive[w] as number;
        let out = 0;
        while (word !== 0) {
          const low = word & -word;
          word ^= low;
          const s = (w << 5) | (31 - Math.clz32(low));
          if (this.decide(s, afterRequired[s] as number)) out |= low;
        }
        result[w] = out;
        total += popcount(out);
      }
    } else {
      const { acceptOnly, countOnly, countNot, clauseOrCount, counts, countParams } = this;
      const events = ctx.events;
      for (let w = 0; w < words; w++) {
        const word = alive[w] as number;
        const accept = acceptOnly[w] as number;
        const count = countOnly[w] as number;
        const not = countNot[w] as number;
        const either = clauseOrCount[w] as number;
        let out = word & ((accept & ~either) | (either & (clauseSat[w] as number)));
        let counted = word & (count | (either & ~(clauseSat[w] as number)));
        let negated = word & not;
        let rest = word & ~(accept | count | not | either);
        while (counted !== 0) {
          const low = counted & -counted;
          counted ^= low;
          if (counts.test(countParams, ((w << 5) | (31 - Math.clz32(low))) << 2, events, now, stamp)) out |= low;
        }
        while (negated !== 0) {
          const low = negated & -negated;
          negated ^= low;
          if (!counts.test(countParams, ((w << 5) | (31 - Math.clz32(low))) << 2, events, now, stamp)) out |= low;
        }
        while (rest !== 0) {
          const low = rest & -rest;
          rest ^= low;
          if (this.run(afterRequired[(w << 5) | (31 - Math.clz32(low))] as number)) out |= low;
        }
        result[w] = out;
        total += popcount(out);
      }
    }
    if (ctx.memberships && ctx.memberships.length > 0) {
      for (const slug of ctx.memberships) {
        const s = this.profileBySlug.get(slug);
        if (s === undefined) continue;
        const bit = 1 << (s & 31);
        if (((result[s >> 5] as number) & bit) === 0) {
          result[s >> 5] = (result[s >> 5] as number) | bit;
          total++;
        }
      }
    }
    const tags = new Array<string>(total);
    const slugs = this.slugs;
    for (let w = 0, k = 0; k < total; w++) {
      let word = result[w] as number;
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        tags[k++] = slugs[(w << 5) | (31 - Math.clz32(low))] as string;
      }
    }
    this.ctx = EMPTY_CONTEXT;
    return tags;
  }
}
