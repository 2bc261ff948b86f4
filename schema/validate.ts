/**
 * The rule validator: the gateway every rule passes before it is stored. It lists every problem of
 * a rule in one pass, each with a JSON path and a plain-language message, and turns a valid rule
 * into the normalised `RuleNode` that evaluators and compilers consume. It never throws and never
 * recurses deeper than the depth limit, whatever it is given.
 */
import type { Catalogue } from './attributes.js';
import { RULE_LIMITS, type RuleNode, type Scope } from './rule.js';
import { validateAttributeCondition } from './validate-condition.js';
import { validateEvent } from './validate-event.js';
import { checkKeys, createProblemList, describeValue, isRecord, ownValue, quote, type PathSegment, type ProblemList, type RuleProblem } from './validate-problems.js';
import { validateSegmentRef, type SegmentInfo } from './validate-segments.js';

export { formatPath, type PathSegment, type RuleProblem } from './validate-problems.js';
export { findReferenceCycle, type SegmentInfo } from './validate-segments.js';
export { OPERATORS_BY_TYPE } from './validate-operators.js';

/**
 * What validation needs to know beyond the rule and the catalogue.
 * @example const ctx: ValidationContext = { segments: new Map([['loyal', { status: 'published', scope: 'profile', references: [] }]]), selfSlug: 'vip' };
 */
export interface ValidationContext {
  /** Other segments of the workspace by slug (their current definition's references, for cycle detection). */
  segments: ReadonlyMap<string, SegmentInfo>;
  /** The slug of the segment being saved, when it has one (a reference to itself, directly or through others, is a cycle). */
  selfSlug?: string;
}

/**
 * The outcome of validation: the normalised rule, its scope and the slugs it references directly;
 * or every error. Warnings (references to archived or unpublished segments ...) come with both.
 * @example const r: ValidationResult = { ok: false, errors: [{ path: '$', code: 'not_object', message: 'A rule must be an object, got a number' }], warnings: [] };
 */
export type ValidationResult =
  | { ok: true; rule: RuleNode; scope: Scope; references: string[]; warnings: RuleProblem[] }
  | { ok: false; errors: RuleProblem[]; warnings: RuleProblem[] };

/**
 * The keys that decide what kind of rule an object is.
 * @example RULE_KINDS.includes('segment'); // true
 */
export const RULE_KINDS = ['all', 'any', 'not', 'attr', 'event', 'segment'] as const;
type RuleKind = (typeof RULE_KINDS)[number];

interface Walk {
  catalogue: Catalogue;
  context: ValidationContext;
  errors: ProblemList;
  warnings: ProblemList;
  nodes: number;
  stopped: boolean;
  profile: boolean;
  /** Slugs referenced directly, with the path of their first reference. */
  references: Map<string, readonly PathSegment[]>;
}

/** Counts one node; false (reported once) when the rule has more nodes than the limit. */
function countNode(walk: Walk, path: readonly PathSegment[]): boolean {
  if (walk.stopped) return false;
  walk.nodes += 1;
  if (walk.nodes <= RULE_LIMITS.maxNodes) return true;
  walk.stopped = true;
  walk.errors.add(path, 'too_many_nodes', `A rule can have at most ${RULE_LIMITS.maxNodes} conditions and groups; this one has more (validation stopped here)`);
  return false;
}

function visitGroup(walk: Walk, rule: object, kind: 'all' | 'any', path: readonly PathSegment[], depth: number): RuleNode | null {
  const keysOk = checkKeys(rule, [kind], path, walk.errors, `an '${kind}' group`);
  const children = ownValue(rule, kind);
  if (!Array.isArray(children)) {
    walk.errors.add([...path, kind], 'invalid_group', `'${kind}' expects a list of rules, got ${describeValue(children)}`);
    return null;
  }
  if (children.length === 0) {
    const meaning = kind === 'all' ? 'matches everyone' : 'matches no one';
    walk.warnings.add([...path, kind], 'empty_group', `An empty '${kind}' ${meaning}`);
  }
  const rules: RuleNode[] = [];
  let ok = keysOk;
  for (let i = 0; i < children.length && !walk.stopped; i++) {
    const child = visit(walk, children[i], [...path, kind, i], depth + 1);
    if (child) rules.push(child);
    else ok = false;
  }
  return ok ? { kind, rules } : null;
}

function visitKind(walk: Walk, rule: object, kind: RuleKind, path: readonly PathSegment[], depth: number): RuleNode | null {
  switch (kind) {
    case 'all':
    case 'any':
      return visitGroup(walk, rule, kind, path, depth);
    case 'not': {
      const keysOk = checkKeys(rule, ['not'], path, walk.errors, "a 'not' rule");
      const child = visit(walk, ownValue(rule, 'not'), [...path, 'not'], depth + 1);
      return child && keysOk ? { kind: 'not', rule: child } : null;
    }
    case 'attr': {
      const result = validateAttributeCondition(rule, path, walk.catalogue, walk.errors);
      if (result?.scope === 'profile') walk.profile = true;
      return result?.node ?? null;
    }
    case 'event': {
      const result = validateEvent(rule, path, walk.errors, (p) => countNode(walk, p));
      if (result?.scope === 'profile') walk.profile = true;
      return result?.node ?? null;
    }
    case 'segment': {
      const keysOk = checkKeys(rule, ['segment'], path, walk.errors, 'a segment reference');
      const { segments, selfSlug } = walk.context;
      const slug = validateSegmentRef(ownValue(rule, 'segment'), path, segments, selfSlug, walk.errors, walk.warnings);
      if (slug === null || !keysOk) return null;
      if (!walk.references.has(slug)) walk.references.set(slug, [...path, 'segment']);
      return { kind: 'segment', slug };
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function visit(walk: Walk, raw: unknown, path: readonly PathSegment[], depth: number): RuleNode | null {
  if (!countNode(walk, path)) return null;
  if (depth > RULE_LIMITS.maxDepth) {
    walk.errors.add(path, 'too_deep', `Rules can be nested at most ${RULE_LIMITS.maxDepth} levels deep`);
    return null;
  }
  if (!isRecord(raw)) {
    walk.errors.add(path, 'not_object', `A rule must be an object such as { "attr": "geo.country", "op": "eq", "value": "VN" }, got ${describeValue(raw)}`);
    return null;
  }
  const keys = Object.keys(raw);
  const kinds = RULE_KINDS.filter((kind) => keys.includes(kind));
  const [kind] = kinds;
  if (kind === undefined || kinds.length > 1) {
    const found = kinds.length > 1 ? `found ${kinds.join(' and ')}` : keys.length === 0 ? 'found none' : `found only ${keys.slice(0, 10).map((k) => quote(k)).join(', ')}`;
    walk.errors.add(path, 'rule_kind', `A rule needs exactly one of ${RULE_KINDS.join(', ')}; ${found}`);
    return null;
  }
  return visitKind(walk, raw, kind, path, depth);
}

/**
 * Validates a rule as users write it against the workspace's attribute catalogue and segments.
 * Lists every problem (at most 100, the last then saying how many more there were); never throws.
 * @example
 * const result = validateRule({ all: [{ attr: 'geo.country', op: 'in', value: ['VN', 'TH'] }] }, buildCatalogue([]), { segments: new Map() });
 * // { ok: true, scope: 'edge', references: [], warnings: [],
 * //   rule: { kind: 'all', rules: [{ kind: 'condition', attr: 'geo.country', attrType: 'string', op: 'in', value: { kind: 'list', values: ['VN', 'TH'] } }] } }
 */
export function validateRule(input: unknown, catalogue: Catalogue, context: ValidationContext): ValidationResult {
  const walk: Walk = {
    catalogue,
    context,
    errors: createProblemList(),
    warnings: createProblemList(),
    nodes: 0,
    stopped: false,
    profile: false,
    references: new Map(),
  };
  let rule: RuleNode | null = null;
  try {
    rule = visit(walk, input, [], 1);
  } catch {
    // Hostile objects (throwing getters, revoked proxies) are not JSON, but must not crash the caller.
    walk.errors.add([], 'unreadable', 'The rule could not be read; send it as plain JSON');
  }
  if (rule === null || walk.errors.count > 0) {
    if (walk.errors.count === 0) walk.errors.add([], 'invalid_rule', 'The rule is not valid');
    return { ok: false, errors: walk.errors.toArray(), warnings: walk.warnings.toArray() };
  }
  const scope: Scope = walk.profile ? 'profile' : 'edge';
  if (scope === 'edge') {
    for (const [slug, path] of walk.references) {
      if (context.segments.get(slug)?.scope === 'profile') {
        walk.warnings.add(path, 'profile_segment_at_edge', `Segment '${slug}' uses profile data: at the edge it matches only identified visitors`);
      }
    }
  }
  return { ok: true, rule, scope, references: [...walk.references.keys()], warnings: walk.warnings.toArray() };
}
