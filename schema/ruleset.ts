/**
 * The edge ruleset: every published segment of a workspace compiled into one compact JSON document
 * that the Worker downloads, validates (`prepareRuleset`) and evaluates on every request
 * (`evaluateRuleset`).
 *
 * Compilation deduplicates predicates across segments: each distinct condition, event filter and
 * event count appears once and is evaluated at most once per request, whichever segments share it.
 * Segments are stored in dependency order so references resolve to earlier entries. Profile-scoped
 * segments are listed without a rule: at the edge they are true only for identified visitors whose
 * memberships name them.
 */
import { PAGE_VIEW_EVENT } from './attributes.js';
import { ruleReferences, type ConditionNode, type ConditionValue, type EventNode, type RuleNode } from './rule.js';
import {
  MAX_HISTORY_DAYS,
  MIN_HISTORY_DAYS,
  RULESET_FORMAT,
  type ConditionEntry,
  type CountEntry,
  type Expr,
  type FilterEntry,
  type Ruleset,
  type RulesetSegment,
  type RulesetSplit,
  type SegmentDefinition,
} from './ruleset-types.js';
import { compileSplits } from './ruleset-splits.js';

export * from './ruleset-types.js';
export { prepareRuleset, evaluateRuleset, type PreparedRuleset } from './ruleset-prepare.js';
export { splitKey, variantsOf } from './ruleset-splits.js';

class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  /** `keyOf` must give equal items, and only them, equal keys. */
  constructor(private readonly keyOf: (item: T) => string = (item) => JSON.stringify(item)) {}
  add(item: T): number {
    const key = this.keyOf(item);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(item);
      this.index.set(key, i);
    }
    return i;
  }
}

const compareValues = (a: string | number, b: string | number): number =>
  typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1;

/** Sorted, duplicate-free lists so equal conditions written differently share one entry. */
function canonicalValue(value: ConditionValue): ConditionValue {
  if (value.kind !== 'list') return value;
  const values = [...new Set(value.values)].sort(compareValues);
  return { kind: 'list', values };
}

/** Orders segments so that every referenced segment comes before those that reference it. */
function dependencyOrder(segments: readonly SegmentDefinition[]): SegmentDefinition[] {
  const bySlug = new Map(segments.map((s) => [s.slug, s]));
  const ordered: SegmentDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (segment: SegmentDefinition) => {
    if (state.has(segment.slug)) return;
    state.set(segment.slug, 'visiting');
    if (segment.scope === 'edge') {
      for (const slug of ruleReferences(segment.rule)) {
        const target = bySlug.get(slug);
        if (target) visit(target);
      }
    }
    state.set(segment.slug, 'done');
    ordered.push(segment);
  };
  for (const segment of segments) visit(segment);
  return ordered;
}

function group(op: 'and' | 'or', parts: Expr[]): Expr {
  const unit = op === 'and';
  const flat: Expr[] = [];
  for (const part of parts) {
    if (part === unit) continue;
    if (part === !unit) return !unit;
    if (Array.isArray(part) && part[0] === op) flat.push(...(part.slice(1) as Expr[]));
    else flat.push(part);
  }
  if (flat.length === 0) return unit;
  if (flat.length === 1) return flat[0] as Expr;
  return [op, ...flat];
}

/** What compileRuleset writes besides the segments: the version name and the A/B splits. */
export interface CompileOptions {
  version?: string;
  /** Splits of these segments; those of other segments, invalid ones and repeats are left out. */
  splits?: readonly RulesetSplit[];
}

/**
 * Compiles published segments into a ruleset. Duplicate slugs keep the first definition;
 * references to segments not given compile to false (unpublished, archived or unknown). The
 * `splits` field is written only when some split remains (so rulesets without any are unchanged).
 * @example compileRuleset([{ slug: 'vn', scope: 'edge', rule: { kind: 'condition', attr: 'geo.country', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: 'VN' } } }], { version: '7' }).conditions.length; // 1
 */
export function compileRuleset(segments: readonly SegmentDefinition[], options: CompileOptions = {}): Ruleset {
  const seen = new Set<string>();
  const unique = segments.filter((s) => !seen.has(s.slug) && seen.add(s.slug));
  const ordered = dependencyOrder(unique);
  const position = new Map(ordered.map((s, i) => [s.slug, i]));
  const conditions = new Interner<ConditionEntry>();
  const propertyConditions = new Interner<ConditionEntry>();
  const filters = new Interner<FilterEntry>();
  // Numbers only: a plain join is a faithful key.
  const counts = new Interner<CountEntry>((c) => c.join(','));
  let maxDays = MIN_HISTORY_DAYS;

  const entry = (c: ConditionNode): ConditionEntry => [c.attr, c.attrType, c.op, canonicalValue(c.value)];
  const countOf = (node: EventNode): number => {
    const where = [...new Set(node.where.map((c) => propertyConditions.add(entry(c))))].sort((a, b) => a - b);
    if (node.event === PAGE_VIEW_EVENT) maxDays = Math.max(maxDays, node.inLastDays ?? MAX_HISTORY_DAYS);
    return counts.add([filters.add([node.event, where]), node.min, node.max, node.inLastDays]);
  };
  const compile = (rule: RuleNode, self: number): Expr => {
    switch (rule.kind) {
      case 'all':
        return group('and', rule.rules.map((r) => compile(r, self)));
      case 'any':
        return group('or', rule.rules.map((r) => compile(r, self)));
      case 'not': {
        const inner = compile(rule.rule, self);
        if (typeof inner === 'boolean') return !inner;
        return inner[0] === 'not' ? (inner[1] as Expr) : ['not', inner];
      }
      case 'condition':
        return ['c', conditions.add(entry(rule))];
      case 'event':
        return rule.min === 0 && rule.max === null ? true : ['e', countOf(rule)];
      case 'segment': {
        const target = position.get(rule.slug);
        // Only earlier segments can be referenced; a later one would be a cycle, which is false.
        return target !== undefined && target < self ? ['s', target] : false;
      }
      default: {
        const never: never = rule;
        return never;
      }
    }
  };
  const compiled: RulesetSegment[] = ordered.map((s, i) =>
    s.scope === 'edge' ? { slug: s.slug, scope: 'edge', rule: compile(s.rule, i) } : { slug: s.slug, scope: 'profile' },
  );
  const splits = compileSplits(options.splits ?? [], new Set(compiled.map((s) => s.slug)));
  return {
    format: RULESET_FORMAT,
    version: options.version ?? '0',
    maxPageViewDays: Math.min(maxDays, MAX_HISTORY_DAYS),
    conditions: conditions.items,
    propertyConditions: propertyConditions.items,
    filters: filters.items,
    counts: counts.items,
    segments: compiled,
    ...(splits.length > 0 ? { splits } : {}),
  };
}
