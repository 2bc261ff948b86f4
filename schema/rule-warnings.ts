/**
 * Warnings on a valid rule that can never match, or matches by accident: an event name the
 * workspace never tracked (`purchse`), a property never seen on that event, a value the edge never
 * reports (`device.os = "ios"`: it reports `iOS`), a UTM value never seen in that case, an edge
 * attribute in a profile-scoped rule (stored profiles have no request), conditions that exclude
 * each other (rule-contradictions.ts). Each has the JSON path of validation errors and, when
 * something close is known, a suggestion. Pure: what the workspace has seen is passed in.
 */
import { PAGE_VIEW_EVENT, type Catalogue } from './attributes.js';
import type { ConditionNode, EventNode, RuleNode, Scope } from './rule.js';
import { addContradictions } from './rule-contradictions.js';
import { createProblemList, MAX_PROBLEMS, quote, suggestClosest, type PathSegment, type ProblemList, type RuleProblem } from './validate-problems.js';

/**
 * What a workspace has actually tracked, as far as a rule needs it.
 * @example const seen: SeenCatalogue = { events: new Set(['purchase']), properties: new Map([['purchase', new Set(['revenue'])]]), values: new Map([['utm.source', ['google']]]) };
 */
export interface SeenCatalogue {
  /** Tracked event names: every one the rule names that was tracked, and others to suggest from. */
  events: ReadonlySet<string>;
  /** Per tracked event the rule names: its property names (all of those the rule names that were seen). */
  properties: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per attribute: every value seen (an attribute missing here has no warnings on values). */
  values: ReadonlyMap<string, readonly string[]>;
}

/**
 * What of the seen catalogue a rule needs.
 * @example const w: SeenWanted = { events: new Set(['purchase']), properties: new Set(['revenue']), attrs: new Set(['utm.source']) };
 */
export interface SeenWanted {
  events: Set<string>;
  properties: Set<string>;
  attrs: Set<string>;
}

/**
 * A catalogue that has seen nothing (a rule checked without a workspace).
 * @example ruleWarnings(rule, 'edge', buildCatalogue([]), NOTHING_SEEN);
 */
export const NOTHING_SEEN: SeenCatalogue = { events: new Set(), properties: new Map(), values: new Map() };

/**
 * The event names, their property names and the attributes of a rule: what `ruleWarnings` reads of
 * the seen catalogue.
 * @example seenWanted({ kind: 'event', event: 'purchase', where: [], min: 1, max: null, inLastDays: null }); // { events: Set(['purchase']), properties: Set(), attrs: Set() }
 */
export function seenWanted(rule: RuleNode, into: SeenWanted = { events: new Set(), properties: new Set(), attrs: new Set() }): SeenWanted {
  switch (rule.kind) {
    case 'all':
    case 'any':
      for (const r of rule.rules) seenWanted(r, into);
      break;
    case 'not':
      seenWanted(rule.rule, into);
      break;
    case 'event':
      into.events.add(rule.event);
      for (const c of rule.where) into.properties.add(c.attr);
      break;
    case 'condition':
      into.attrs.add(rule.attr);
      break;
    default:
      break;
  }
  return into;
}

const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'neq', 'in', 'notIn']);

interface Walk {
  scope: Scope;
  catalogue: Catalogue;
  seen: SeenCatalogue;
  warnings: ProblemList;
}

function checkValue(walk: Walk, attr: string, value: string, path: readonly PathSegment[]): void {
  const known = walk.catalogue.lookup(attr)?.known;
  const seen = walk.seen.values.get(attr);
  const values = known ?? seen;
  if (values === undefined || values.includes(value)) return;
  const lower = value.toLowerCase();
  const sameButCase = values.find((v) => v.toLowerCase() === lower);
  const where = known ? 'the edge reports' : 'were seen in page views';
  if (sameButCase !== undefined) {
    const as = known ? `the edge reports ${quote(sameButCase)}` : `page views had ${quote(sameButCase)}`;
    const message = `${quote(value)} never matches: values compare exactly, in their case, and ${as}`;
    walk.warnings.add(path, 'value_case', message, sameButCase);
    return;
  }
  const suggestion = suggestClosest(value, values);
  const hint = suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
  const list = values.length <= 20 ? ` (${values.map((v) => quote(v, 30)).join(', ')})` : '';
  walk.warnings.add(path, known ? 'value_unknown' : 'value_never_seen', `${quote(value)} is not among the values of ${attr} that ${where}${list}${hint}`, suggestion);
}

function checkCondition(walk: Walk, c: ConditionNode, path: readonly PathSegment[]): void {
  const spec = walk.catalogue.lookup(c.attr);
  if (walk.scope === 'profile' && spec?.scope === 'edge' && c.op !== 'notExists') {
    const message = `${c.attr} comes from the request, which stored profiles do not have; this rule is profile-scoped (it uses profile data), so this condition is always false`;
    walk.warnings.add([...path, 'attr'], 'edge_attribute_in_profile_rule', message);
  }
  if (!VALUE_OPERATORS.has(c.op)) return;
  const v = c.value;
  if (v.kind === 'scalar' && typeof v.value === 'string') checkValue(walk, c.attr, v.value, [...path, 'value']);
  if (v.kind === 'list') v.values.forEach((x, i) => typeof x === 'string' && checkValue(walk, c.attr, x, [...path, 'value', i]));
}

function checkEvent(walk: Walk, e: EventNode, path: readonly PathSegment[]): void {
  if (!walk.seen.events.has(e.event)) {
    const suggestion = suggestClosest(e.event, walk.seen.events);
    const hint = suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
    const never = e.max === 0 ? 'so this count is always 0 and the condition always true' : 'so this count is 0 until it is';
    walk.warnings.add([...path, 'event'], 'event_never_seen', `No ${quote(e.event)} event was ever tracked in this workspace, ${never}${hint}`, suggestion);
    e.where.forEach((c, i) => {
      if (c.op === 'notExists') return;
      walk.warnings.add([...path, 'where', i, 'attr'], 'property_of_unseen_event', `${quote(c.attr)} is a property of ${quote(e.event)}, an event never tracked in this workspace`);
    });
    return;
  }
  if (e.event === PAGE_VIEW_EVENT) return;
  const properties = walk.seen.properties.get(e.event) ?? new Set<string>();
  e.where.forEach((c, i) => {
    if (c.op === 'notExists' || properties.has(c.attr)) return;
    const suggestion = suggestClosest(c.attr, properties);
    const hint = suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
    const message = `No ${quote(e.event)} event tracked in this workspace has the property ${quote(c.attr)}, so this condition never holds${hint}`;
    walk.warnings.add([...path, 'where', i, 'attr'], 'property_never_seen', message, suggestion);
  });
}

function visit(walk: Walk, rule: RuleNode, path: readonly PathSegment[]): void {
  switch (rule.kind) {
    case 'all':
    case 'any':
      rule.rules.forEach((r, i) => visit(walk, r, [...path, rule.kind, i]));
      return;
    case 'not':
      visit(walk, rule.rule, [...path, 'not']);
      return;
    case 'condition':
      checkCondition(walk, rule, path);
      return;
    case 'event':
      checkEvent(walk, rule, path);
      return;
    case 'segment':
      return;
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
}

/**
 * The warnings of a valid rule (its normalised tree and scope), against the attribute catalogue and
 * what the workspace has seen; at most 100 (validate-problems.ts). Never throws.
 * @example
 * ruleWarnings(validated.rule, 'edge', buildCatalogue([]), NOTHING_SEEN);
 * // for { attr: 'device.os', op: 'eq', value: 'ios' }:
 * // [{ path: '$.value', code: 'value_case', message: "'ios' never matches: values compare exactly, in their case, and the edge reports 'iOS'", suggestion: 'iOS' }]
 */
export function ruleWarnings(rule: RuleNode, scope: Scope, catalogue: Catalogue, seen: SeenCatalogue): RuleProblem[] {
  const walk: Walk = { scope, catalogue, seen, warnings: createProblemList() };
  visit(walk, rule, []);
  addContradictions(rule, walk.warnings);
  return walk.warnings.toArray();
}

/**
 * Validation's own warnings followed by these, at most 100 in all (the last then says how many more).
 * @example withWarnings([], [{ path: '$.event', code: 'event_never_seen', message: '...' }]).length; // 1
 */
export function withWarnings(first: readonly RuleProblem[], more: readonly RuleProblem[]): RuleProblem[] {
  const all = [...first, ...more];
  if (all.length <= MAX_PROBLEMS) return all;
  const shown = all.slice(0, MAX_PROBLEMS - 1);
  shown.push({ path: '$', code: 'too_many_problems', message: `${all.length - shown.length} more warnings were omitted; look at the ones above first` });
  return shown;
}
