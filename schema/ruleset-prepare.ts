/**
 * The edge evaluator. `prepareRuleset` checks a downloaded ruleset and builds, once, everything a
 * request needs: condition tests, a hash index from attribute values to the `eq` / `in` conditions
 * they satisfy, and, as ad-serving matchers do (the "counting" algorithm of boolean-expression
 * indexing), for each segment its required indexed conditions (top-level conjuncts) with a posting
 * list from each such condition to the segments that require it.
 *
 * Per request (`evaluateRuleset`): one hash lookup per indexed attribute marks the conditions that
 * hold; walking their posting lists counts, per segment, how many of its required conditions hold;
 * only segments where all hold (plus those with none) evaluate the rest of their rule. Every other
 * condition, event count and referenced segment is computed lazily, at most once per request, and
 * shared by all segments that use it. Per-request memory is reused through a stamp counter, so an
 * evaluation allocates almost nothing. No code is generated from strings.
 */
import type { AttrValue, EvalContext } from './context.js';
import { DAY_MS, type ConditionNode } from './rule.js';
import { checkRuleset } from './ruleset-check.js';
import { compileCondition, type ConditionTest } from './ruleset-conditions.js';
import { EventFilters } from './ruleset-events.js';
import { AttributeIndex } from './ruleset-index.js';
import type { ConditionEntry, Expr, Ruleset } from './ruleset-types.js';

type Thunk = (engine: Engine) => boolean;

const toNode = ([attr, attrType, op, value]: ConditionEntry): ConditionNode => ({ kind: 'condition', attr, attrType, op, value });

class Engine {
  readonly version: string;
  readonly maxPageViewDays: number;
  private readonly attrNames: string[] = [];
  private readonly condAttr: Int32Array;
  private readonly condTests: ConditionTest[];
  private readonly indexed: Uint8Array;
  private readonly indexes: AttributeIndex[] = [];
  private readonly filters: EventFilters;
  private readonly counts: Array<{ filter: number; min: number; max: number | null; span: number | null }>;
  private readonly slugs: string[];
  private readonly profileScoped: Uint8Array;
  private readonly rules: Array<Thunk | null>;
  /** Per segment: its required indexed conditions; the rest of its rule is `rules[s]`. */
  private readonly required: Int32Array[];
  /** Per indexed condition: the segments that require it. */
  private readonly postings: Array<number[] | undefined> = [];
  private readonly hits: Uint16Array;
  private readonly hitStamp: Uint32Array;
  /** Edge segments with no required indexed condition: evaluated on every request. */
  private readonly unindexed: number[] = [];
  private readonly profileBySlug = new Map<string, number>();

  // Per-request state, valid where the matching *Stamp equals `stamp`.
  stamp = 0;
  private ctx: EvalContext = { attributes: {}, events: [] };
  private now = 0;
  private readonly attrStamp: Uint32Array;
  private readonly attrValues: AttrValue[];
  readonly trueStamp: Uint32Array;
  private readonly condStamp: Uint32Array;
  private readonly condValues: Uint8Array;
  private readonly countStamp: Uint32Array;
  private readonly countValues: Uint8Array;
  private readonly segStamp: Uint32Array;
  private readonly segValues: Uint8Array;
  private readonly outStamp: Uint32Array;
  private readonly marked: number[] = [];
  private readonly mark = (cond: number): void => {
    this.trueStamp[cond] = this.stamp;
    this.marked.push(cond);
  };

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
      return compileCondition(toNode(entry));
    });
    this.filters = new EventFilters(ruleset.filters, ruleset.propertyConditions);
    this.counts = ruleset.counts.map(([filter, min, max, days]) => ({ filter, min, max, span: days === null ? null : days * DAY_MS }));
    const segments = ruleset.segments;
    this.slugs = segments.map((s) => s.slug);
    this.profileScoped = Uint8Array.from(segments, (s) => (s.scope === 'profile' ? 1 : 0));
    this.required = segments.map(() => new Int32Array(0));
    this.rules = segments.map((segment, i) => {
      if (segment.scope !== 'edge' || segment.rule === undefined) return null;
      const terms = Array.isArray(segment.rule) && segment.rule[0] === 'and' ? (segment.rule.slice(1) as Expr[]) : [segment.rule];
      const required = new Set<number>();
      const rest: Expr[] = [];
      for (const term of terms) {
        if (Array.isArray(term) && term[0] === 'c' && this.indexed[term[1]]) required.add(term[1]);
        else rest.push(term);
      }
      this.required[i] = Int32Array.from(required);
      for (const c of required) {
        const posting = this.postings[c];
        if (posting) posting.push(i);
        else this.postings[c] = [i];
      }
      if (required.size === 0) this.unindexed.push(i);
      return rest.length === 0 ? null : this.build(rest.length === 1 ? (rest[0] as Expr) : ['and', ...rest]);
    });
    segments.forEach((s, i) => {
      if (s.scope === 'profile') this.profileBySlug.set(s.slug, i);
    });
    const attrs = this.attrNames.length;
    this.attrStamp = new Uint32Array(attrs);
    this.attrValues = new Array<AttrValue>(attrs);
    this.trueStamp = new Uint32Array(n);
    this.condStamp = new Uint32Array(n);
    this.condValues = new Uint8Array(n);
    this.countStamp = new Uint32Array(this.counts.length);
    this.countValues = new Uint8Array(this.counts.length);
    this.segStamp = new Uint32Array(segments.length);
    this.segValues = new Uint8Array(segments.length);
    this.outStamp = new Uint32Array(segments.length);
    this.hits = new Uint16Array(segments.length);
    this.hitStamp = new Uint32Array(segments.length);
  }

  private indexCondition(entry: ConditionEntry, cond: number, attr: number): void {
    if (!AttributeIndex.accepts(entry)) return;
    let index = this.indexes.find((x) => x.attr === attr && x.type === entry[1]);
    if (!index) this.indexes.push((index = new AttributeIndex(attr, entry[1])));
    index.add(cond, entry);
    this.indexed[cond] = 1;
  }

  private build(expr: Expr): Thunk {
    if (typeof expr === 'boolean') return () => expr;
    switch (expr[0]) {
      case 'c': {
        const i = expr[1];
        return this.indexed[i] ? (en) => en.trueStamp[i] === en.stamp : (en) => en.condition(i);
      }
      case 'e': {
        const i = expr[1];
        return (en) => en.count(i);
      }
      case 's': {
        const i = expr[1];
        return (en) => en.segment(i);
      }
      case 'not': {
        const inner = this.build(expr[1]);
        return (en) => !inner(en);
      }
      case 'and':
      case 'or': {
        const parts = (expr.slice(1) as Expr[]).map((e) => this.build(e));
        const isAnd = expr[0] === 'and';
        if (parts.length === 2) {
          const [a, b] = parts as [Thunk, Thunk];
          return isAnd ? (en) => a(en) && b(en) : (en) => a(en) || b(en);
        }
        const count = parts.length;
        return isAnd
          ? (en) => {
              for (let k = 0; k < count; k++) if (!(parts[k] as Thunk)(en)) return false;
              return true;
            }
          : (en) => {
              for (let k = 0; k < count; k++) if ((parts[k] as Thunk)(en)) return true;
              return false;
            };
      }
    }
  }

  private attribute(a: number): AttrValue {
    if (this.attrStamp[a] !== this.stamp) {
      this.attrStamp[a] = this.stamp;
      const name = this.attrNames[a] as string;
      this.attrValues[a] = Object.hasOwn(this.ctx.attributes, name) ? this.ctx.attributes[name] : undefined;
    }
    return this.attrValues[a];
  }

  condition(i: number): boolean {
    if (this.condStamp[i] !== this.stamp) {
      this.condStamp[i] = this.stamp;
      this.condValues[i] = (this.condTests[i] as ConditionTest)(this.attribute(this.condAttr[i] as number), this.now) ? 1 : 0;
    }
    return this.condValues[i] === 1;
  }

  count(i: number): boolean {
    if (this.countStamp[i] !== this.stamp) {
      this.countStamp[i] = this.stamp;
      const { filter, min, max, span } = this.counts[i] as Engine['counts'][number];
      const times = this.filters.timesOf(filter, this.ctx.events, this.now, this.stamp);
      let n = times.length + (this.filters.untimed[filter] as number);
      if (span !== null) {
        // Ascending times: walk back from the newest until the window's start.
        n = 0;
        const from = this.now - span;
        for (let k = times.length - 1; k >= 0; k--) {
          const t = times[k] as number;
          if (t < from) break;
          if (t <= this.now) n++;
        }
      }
      this.countValues[i] = n >= min && (max === null || n <= max) ? 1 : 0;
    }
    return this.countValues[i] === 1;
  }

  segment(i: number): boolean {
    if (this.segStamp[i] !== this.stamp) {
      this.segStamp[i] = this.stamp;
      let value: boolean;
      if (this.profileScoped[i]) value = (this.ctx.memberships ?? []).includes(this.slugs[i] as string);
      else {
        value = true;
        for (const c of this.required[i] as Int32Array) if (this.trueStamp[c] !== this.stamp) value = false;
        const rest = this.rules[i];
        if (value && rest) value = rest(this);
      }
      this.segValues[i] = value ? 1 : 0;
    }
    return this.segValues[i] === 1;
  }

  private nextStamp(): void {
    if (this.stamp === 0xffffffff) {
      for (const a of [this.attrStamp, this.trueStamp, this.condStamp, this.countStamp, this.segStamp, this.outStamp, this.hitStamp]) a.fill(0);
      this.filters.reset();
      this.stamp = 0;
    }
    this.stamp++;
  }

  evaluate(ctx: EvalContext, now: number): string[] {
    this.nextStamp();
    this.ctx = ctx;
    this.now = now;
    const marked = this.marked;
    marked.length = 0;
    for (const index of this.indexes) index.lookup(this.attribute(index.attr), this.condTests, now, this.mark);
    const matched: number[] = [];
    const take = (s: number) => {
      if (this.outStamp[s] !== this.stamp && this.segment(s)) {
        this.outStamp[s] = this.stamp;
        matched.push(s);
      }
    };
    const { hits, hitStamp, stamp } = this;
    for (const c of marked) {
      const posting = this.postings[c];
      if (posting === undefined) continue;
      for (const s of posting) {
        if (hitStamp[s] !== stamp) {
          hitStamp[s] = stamp;
          hits[s] = 0;
        }
        if (++(hits[s] as number) === (this.required[s] as Int32Array).length) take(s);
      }
    }
    for (const s of this.unindexed) take(s);
    for (const slug of ctx.memberships ?? []) {
      const s = this.profileBySlug.get(slug);
      if (s !== undefined) take(s);
    }
    sortSmall(matched);
    const tags = new Array<string>(matched.length);
    for (let k = 0; k < matched.length; k++) tags[k] = this.slugs[matched[k] as number] as string;
    return tags;
  }
}

/** Insertion sort: tags per request are few, and this beats a comparator callback. */
function sortSmall(a: number[]): void {
  if (a.length > 64) {
    a.sort((x, y) => x - y);
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const v = a[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > v) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = v;
  }
}

/**
 * A ruleset ready to evaluate (opaque; build it with `prepareRuleset`).
 * @example const r: PreparedRuleset | null = null;
 */
export interface PreparedRuleset {
  readonly version: string;
  readonly maxPageViewDays: number;
  /** @internal */
  readonly engine: Engine;
}

/**
 * Validates a ruleset document (as parsed from JSON) and prepares it for evaluation.
 * @example prepareRuleset({ format: 1 }).ok; // false
 */
export function prepareRuleset(json: unknown): { ok: true; ruleset: PreparedRuleset } | { ok: false; errors: string[] } {
  const checked = checkRuleset(json);
  if (!checked.ok) return checked;
  try {
    const engine = new Engine(checked.ruleset);
    return { ok: true, ruleset: { version: engine.version, maxPageViewDays: engine.maxPageViewDays, engine } };
  } catch (error) {
    return { ok: false, errors: [`the ruleset could not be prepared: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/**
 * The slugs of every segment the context belongs to at `now`, in ruleset order: edge segments whose
 * rule holds, and profile-scoped segments named by the context's memberships.
 * @example evaluateRuleset(prepared, buildEdgeContext(request, null, Date.now()), Date.now()); // ['vn-mobile']
 */
export function evaluateRuleset(prepared: PreparedRuleset, ctx: EvalContext, now: number): string[] {
  return prepared.engine.evaluate(ctx, now);
}
