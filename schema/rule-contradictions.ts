/**
 * Conditions that cannot hold together: within one AND scope (an `all` group, nested `all` groups
 * flattened into it, or the `where` of one event), two conditions on the same attribute whose
 * values exclude each other (`x = a` and `x = b`, `count >= 5` and `count < 3`, `exists` and
 * `notExists` ...), or two counts of the same events whose ranges do not meet. Such a scope never
 * matches; the rule is still valid (CONTRACT.md: a warning, never an error).
 */
import type { ConditionNode, EventNode, RuleNode, Scalar } from './rule.js';
import { formatPath, quote, type PathSegment, type ProblemList } from './validate-problems.js';

interface Located<T> {
  node: T;
  path: readonly PathSegment[];
}

/** What the conditions on one attribute seen so far allow. */
interface Domain {
  first: readonly PathSegment[];
  allowed: Set<Scalar> | null;
  excluded: Set<Scalar>;
  low: number;
  lowStrict: boolean;
  high: number;
  highStrict: boolean;
  /** Whole days: the value lies within the last `within` days, and before the last `before` days. */
  within: number;
  before: number;
  hasAll: Set<string>;
  hasNone: Set<string>;
  hasAny: string[][];
  absent: boolean;
  present: boolean;
  reported: boolean;
}

function emptyDomain(first: readonly PathSegment[]): Domain {
  return {
    first,
    allowed: null,
    excluded: new Set(),
    low: -Infinity,
    lowStrict: false,
    high: Infinity,
    highStrict: false,
    within: Infinity,
    before: -Infinity,
    hasAll: new Set(),
    hasNone: new Set(),
    hasAny: [],
    absent: false,
    present: false,
    reported: false,
  };
}

function raiseLow(d: Domain, value: number, strict: boolean): void {
  if (value > d.low || (value === d.low && strict)) {
    d.low = value;
    d.lowStrict = strict;
  }
}

function lowerHigh(d: Domain, value: number, strict: boolean): void {
  if (value < d.high || (value === d.high && strict)) {
    d.high = value;
    d.highStrict = strict;
  }
}

function restrict(d: Domain, values: readonly Scalar[]): void {
  d.allowed = d.allowed === null ? new Set(values) : new Set(values.filter((v) => d.allowed!.has(v)));
}

/** Narrows the domain by one condition. */
function apply(d: Domain, c: ConditionNode): void {
  if (c.op === 'notExists') {
    d.absent = true;
    return;
  }
  d.present = true;
  const v = c.value;
  switch (c.op) {
    case 'eq':
      if (v.kind === 'scalar') restrict(d, [v.value]);
      break;
    case 'in':
      if (v.kind === 'list') restrict(d, v.values);
      break;
    case 'neq':
      if (v.kind === 'scalar') d.excluded.add(v.value);
      break;
    case 'notIn':
      if (v.kind === 'list') for (const x of v.values) d.excluded.add(x);
      break;
    case 'gt':
    case 'gte':
      if (v.kind === 'scalar' && typeof v.value === 'number') raiseLow(d, v.value, c.op === 'gt');
      break;
    case 'lt':
    case 'lte':
      if (v.kind === 'scalar' && typeof v.value === 'number') lowerHigh(d, v.value, c.op === 'lt');
      break;
    case 'between':
      if (v.kind === 'range') {
        raiseLow(d, v.low, false);
        lowerHigh(d, v.high, false);
      }
      break;
    case 'inLastDays':
      if (v.kind === 'days') d.within = Math.min(d.within, v.days);
      break;
    case 'notInLastDays':
      if (v.kind === 'days') d.before = Math.max(d.before, v.days);
      break;
    case 'hasAll':
      if (v.kind === 'list') for (const x of v.values) d.hasAll.add(String(x));
      break;
    case 'hasNone':
      if (v.kind === 'list') for (const x of v.values) d.hasNone.add(String(x));
      break;
    case 'hasAny':
      if (v.kind === 'list') d.hasAny.push(v.values.map(String));
      break;
    default:
      break;
  }
}

function inRange(d: Domain, value: Scalar): boolean {
  if (typeof value !== 'number') return true;
  if (value < d.low || (value === d.low && d.lowStrict)) return false;
  return !(value > d.high || (value === d.high && d.highStrict));
}

/** True when no value satisfies every condition applied so far. */
function isEmpty(d: Domain): boolean {
  if (d.absent && d.present) return true;
  if (d.low > d.high || (d.low === d.high && (d.lowStrict || d.highStrict))) return true;
  // inLastDays N and notInLastDays M: now - N <= t < now - M, empty when N <= M.
  if (d.within <= d.before) return true;
  if ([...d.hasAll].some((x) => d.hasNone.has(x))) return true;
  if (d.hasAny.some((any) => any.every((x) => d.hasNone.has(x)))) return true;
  return d.allowed !== null && ![...d.allowed].some((x) => !d.excluded.has(x) && inRange(d, x));
}

/** The conjuncts of an `all` group: its children, nested `all` groups flattened in. */
function conjuncts(rules: readonly RuleNode[], path: readonly PathSegment[], into: Array<Located<RuleNode>>): void {
  rules.forEach((rule, i) => {
    const at = [...path, 'all', i];
    if (rule.kind === 'all') conjuncts(rule.rules, at, into);
    else into.push({ node: rule, path: at });
  });
}

function checkConditions(conditions: ReadonlyArray<Located<ConditionNode>>, scope: string, warnings: ProblemList): void {
  const domains = new Map<string, Domain>();
  for (const { node, path } of conditions) {
    let d = domains.get(node.attr);
    if (!d) domains.set(node.attr, (d = emptyDomain(path)));
    apply(d, node);
    if (!d.reported && isEmpty(d)) {
      d.reported = true;
      warnings.add(
        path,
        'contradiction',
        `No value of ${quote(node.attr)} satisfies this condition and the one at ${formatPath(d.first)} together: ${scope} never matches`,
      );
    }
  }
}

function checkCounts(counts: ReadonlyArray<Located<EventNode>>, scope: string, warnings: ProblemList): void {
  const ranges = new Map<string, { low: number; high: number; first: readonly PathSegment[]; reported: boolean }>();
  for (const { node, path } of counts) {
    const key = JSON.stringify([node.event, node.where, node.inLastDays]);
    const high = node.max ?? Infinity;
    const range = ranges.get(key);
    if (!range) {
      ranges.set(key, { low: node.min, high, first: path, reported: false });
      continue;
    }
    range.low = Math.max(range.low, node.min);
    range.high = Math.min(range.high, high);
    if (!range.reported && range.low > range.high) {
      range.reported = true;
      warnings.add(path, 'contradiction', `This count of ${quote(node.event)} events and the one at ${formatPath(range.first)} cannot both hold: ${scope} never matches`);
    }
  }
}

/**
 * Adds a `contradiction` warning for each AND scope of `rule` that can never match, at the
 * condition that made it impossible (naming the first one on the same attribute).
 * @example
 * const w = createProblemList();
 * addContradictions({ kind: 'all', rules: [eqVN, eqTH] }, w);
 * // w.toArray(): [{ path: '$.all[1]', code: 'contradiction', message: "No value of 'geo.country' satisfies this condition and the one at $.all[0] together: the group at $ never matches" }]
 */
export function addContradictions(rule: RuleNode, warnings: ProblemList, path: readonly PathSegment[] = [], flattened = false): void {
  switch (rule.kind) {
    case 'all': {
      const items: Array<Located<RuleNode>> = [];
      conjuncts(rule.rules, path, items);
      if (!flattened) {
        const scope = `the group at ${formatPath(path)}`;
        checkConditions(items.filter((i): i is Located<ConditionNode> => i.node.kind === 'condition'), scope, warnings);
        checkCounts(items.filter((i): i is Located<EventNode> => i.node.kind === 'event'), scope, warnings);
      }
      rule.rules.forEach((child, i) => addContradictions(child, warnings, [...path, 'all', i], child.kind === 'all'));
      return;
    }
    case 'any':
      rule.rules.forEach((child, i) => addContradictions(child, warnings, [...path, 'any', i]));
      return;
    case 'not':
      addContradictions(rule.rule, warnings, [...path, 'not']);
      return;
    case 'event': {
      const where = rule.where.map((node, i) => ({ node, path: [...path, 'where', i] }));
      checkConditions(where, `the event count at ${formatPath(path)}`, warnings);
      return;
    }
    case 'condition':
    case 'segment':
      return;
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
}
