/**
 * The edge evaluator behind `prepareRuleset` / `evaluateRuleset` (schema/ruleset-prepare.ts). Built
 * once per ruleset: condition tests, a bitmap index per attribute (schema/ruleset-index.ts), event
 * counts (schema/ruleset-events.ts) and every rule as a flat branch program whose required indexed
 * conditions (top-level conjuncts on indexed attributes) come first (schema/ruleset-program.ts).
 *
 * Per request: one cached hash lookup per indexed attribute yields the indexed conditions that hold
 * and the bitset of segments that survive that attribute; ANDing those leaves the segments whose
 * required conditions all hold, and only they run the rest of their program. Other conditions,
 * event counts and referenced segments are computed lazily, at most once per request, and shared by
 * all segments that use them. Per-request memory is reused through a stamp counter, so an
 * evaluation allocates almost nothing but its answer. No code is generated from strings.
 */
import type { AttrValue, EvalContext } from './context.js';
import { compileCondition, type ConditionTest } from './ruleset-conditions.js';
import { EventCounts } from './ruleset-events.js';
import { AttributeIndex } from './ruleset-index.js';
import { ACCEPT, LEAF_CONDITION, LEAF_COUNT, LEAF_INDEXED, layoutRules, REJECT } from './ruleset-program.js';
import type { ConditionEntry, Ruleset } from './ruleset-types.js';

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
  private readonly indexed: Uint8Array;
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
  /** Per segment: when all that follows its required part is one event count, that count; else -1. */
  private readonly onlyCount: Int32Array;
  /** Whether rules reference segments (whose values are then memoised per request). */
  private readonly references: boolean;
  /** Bitset of the edge segments whose rule can hold. */
  private readonly universe: Int32Array;

  // Per-request state, valid where the matching *Stamp equals `stamp`.
  private stamp = 0;
  private ctx: EvalContext = EMPTY_CONTEXT;
  private now = 0;
  /** Whether the attributes object has no prototype (as buildEdgeContext makes it): then a plain read is an own read. */
  private bare = false;
  private readonly attrStamp: Uint32Array;
  private readonly attrValues: AttrValue[];
  /** Indexed conditions that hold (those the rules read): marked by the index lookups. */
  private readonly trueStamp: Uint32Array;
  private readonly condStamp: Uint32Array;
  private readonly condValues: Uint8Array;
  private readonly segStamp: Uint32Array;
  private readonly segValues: Uint8Array;
  private readonly outStamp: Uint32Array;
  /** The surviving-segment bitsets of this request's attribute values. */
  private readonly bitsets: Int32Array[];
  private readonly matched: number[] = [];

  constructor(ruleset: Ruleset) {
    this.version = ruleset.version;
    this.maxPageViewDays = ruleset.maxPageViewDays;
    const attrIndex = new Map<string, number>();
    const n = ruleset.conditions.length;
    this.condAttr = new Int32Array(n);
    this.indexed = new Uint8Array(n);
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
    const layout = layoutRules(segments, n, (c) => this.indexed[c] === 1);
    ({ code: this.code, onTrue: this.onTrue, onFalse: this.onFalse, entry: this.entry, afterRequired: this.afterRequired } = layout);
    this.onlyCount = Int32Array.from(this.afterRequired, (pc) => {
      const op = pc >= 0 ? (this.code[pc] as number) : -1;
      return op >= 0 && (op & 3) === LEAF_COUNT && this.onTrue[pc] === ACCEPT && this.onFalse[pc] === REJECT ? op >> 2 : -1;
    });
    this.references = layout.references;
    for (const index of this.indexes) index.finish(layout.required, layout.read);
    const universe = (this.universe = new Int32Array((segments.length + 31) >> 5));
    layout.required.forEach((r, s) => {
      if (r !== null) universe[s >> 5] = (universe[s >> 5] as number) | (1 << (s & 31));
    });

    const attrs = this.attrNames.length;
    this.attrStamp = new Uint32Array(attrs);
    this.attrValues = new Array<AttrValue>(attrs).fill(undefined);
    this.trueStamp = new Uint32Array(n);
    this.condStamp = new Uint32Array(n);
    this.condValues = new Uint8Array(n);
    this.segStamp = new Uint32Array(segments.length);
    this.segValues = new Uint8Array(segments.length);
    this.outStamp = new Uint32Array(segments.length);
    this.bitsets = new Array<Int32Array>(this.indexes.length);
  }

  private indexCondition(entry: ConditionEntry, cond: number, attr: number): void {
    if (!AttributeIndex.accepts(entry)) return;
    let index = this.indexes.find((x) => x.attr === attr && x.type === entry[1]);
    if (!index) this.indexes.push((index = new AttributeIndex(attr, entry[1])));
    index.add(cond, entry);
    this.indexed[cond] = 1;
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
      for (const a of [this.attrStamp, this.trueStamp, this.condStamp, this.segStamp, this.outStamp]) a.fill(0);
      this.counts.reset();
      this.stamp = 0;
    }
    this.stamp++;
  }

  evaluate(ctx: EvalContext, now: number): string[] {
    this.nextStamp();
    this.ctx = ctx;
    this.now = now;
    this.bare = Object.getPrototypeOf(ctx.attributes) === null;
    const { stamp, trueStamp, bitsets, matched, afterRequired, onlyCount, indexes, universe } = this;
    let sets = 0;
    for (let x = 0; x < indexes.length; x++) {
      const index = indexes[x] as AttributeIndex;
      const hit = index.lookup(this.attribute(index.attr), this.condTests);
      const conditions = hit.conditions;
      for (let k = 0; k < conditions.length; k++) trueStamp[conditions[k] as number] = stamp;
      if (hit.survivors !== null) bitsets[sets++] = hit.survivors;
    }
    matched.length = 0;
    const memo = this.references;
    for (let w = 0; w < universe.length; w++) {
      // The segments of this word that survive every attribute.
      let word = universe[w] as number;
      for (let k = 0; k < sets && word !== 0; k++) word &= (bitsets[k] as Int32Array)[w] as number;
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        const s = (w << 5) | (31 - Math.clz32(low));
        const pc = afterRequired[s] as number;
        const count = onlyCount[s] as number;
        let holds: boolean;
        if (memo) holds = this.decide(s, pc);
        else if (pc < 0) holds = pc === ACCEPT;
        else if (count >= 0) holds = this.counts.holds(count, ctx.events, now, stamp);
        else holds = this.run(pc);
        if (holds) matched.push(s);
      }
    }
    if (ctx.memberships && ctx.memberships.length > 0) {
      for (const slug of ctx.memberships) {
        const s = this.profileBySlug.get(slug);
        if (s !== undefined && this.outStamp[s] !== stamp) {
          this.outStamp[s] = stamp;
          matched.push(s);
        }
      }
      matched.sort((a, b) => a - b);
    }
    const tags = new Array<string>(matched.length);
    for (let k = 0; k < matched.length; k++) tags[k] = this.slugs[matched[k] as number] as string;
    this.ctx = EMPTY_CONTEXT;
    return tags;
  }
}
