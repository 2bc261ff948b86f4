/**
 * The rule language, version 1 (CONTRACT.md section 1).
 *
 * Two shapes live here:
 * - `RuleJson`: what users write and what is stored (keys decide the kind: `all`, `any`, `not`,
 *   `attr`, `event`, `segment`).
 * - `RuleNode`: the validated, normalised tree that every evaluator and compiler consumes. It is a
 *   tagged union (`kind`), with the attribute type resolved, dates parsed to epoch milliseconds and
 *   defaults (`min: 1`) filled in, so evaluators never re-check what validation proved.
 */

/** The version of the rule language this module implements. */
export const RULE_LANGUAGE_VERSION = 1;

/** Every operator of the language, in the order of CONTRACT.md's table. */
export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'hasAny',
  'hasAll',
  'hasNone',
  'inLastDays',
  'notInLastDays',
  'exists',
  'notExists',
] as const;

/**
 * An operator name.
 * @example const op: Operator = 'inLastDays';
 */
export type Operator = (typeof OPERATORS)[number];

/**
 * The declared type of an attribute. Dates are ISO 8601 strings at runtime.
 * @example const t: AttrType = 'stringList';
 */
export type AttrType = 'string' | 'number' | 'boolean' | 'date' | 'stringList';

/**
 * Where a rule can be evaluated: `edge` when it uses only edge attributes, `page_view` events and
 * segment references; `profile` when it uses any profile attribute or other event.
 * @example const s: Scope = 'edge';
 */
export type Scope = 'edge' | 'profile';

/** A scalar as written in a rule. */
export type Scalar = string | number | boolean;

/**
 * A rule as users write it (JSON). Validation turns it into a `RuleNode`.
 * @example const r: RuleJson = { all: [{ attr: 'geo.country', op: 'in', value: ['VN', 'TH'] }] };
 */
export type RuleJson =
  | { all: RuleJson[] }
  | { any: RuleJson[] }
  | { not: RuleJson }
  | ConditionJson
  | EventJson
  | { segment: string };

/**
 * A condition as written: `value` is omitted for `exists` / `notExists`.
 * @example const c: ConditionJson = { attr: 'device.type', op: 'eq', value: 'mobile' };
 */
export interface ConditionJson {
  attr: string;
  op: Operator;
  value?: Scalar | Scalar[];
}

/**
 * An event count condition as written.
 * @example const e: EventJson = { event: 'page_view', where: [{ attr: 'path', op: 'matches', value: '/pricing/**' }], min: 3, inLastDays: 30 };
 */
export interface EventJson {
  event: string;
  where?: ConditionJson[];
  min?: number;
  max?: number;
  inLastDays?: number;
}

/**
 * The normalised value of a validated condition. Dates are epoch milliseconds (UTC instants);
 * `days` is an integer count for `inLastDays` / `notInLastDays`.
 * @example const v: ConditionValue = { kind: 'list', values: ['VN', 'TH'] };
 */
export type ConditionValue =
  | { kind: 'none' }
  | { kind: 'scalar'; value: Scalar }
  | { kind: 'list'; values: Array<string | number> }
  | { kind: 'range'; low: number; high: number }
  | { kind: 'days'; days: number };

/**
 * A validated condition. `attrType` is the declared type of the attribute (or, for an event
 * property, the type the operator and value imply). For `date` attributes every scalar / range
 * value is already an epoch-millisecond number.
 * @example const c: ConditionNode = { kind: 'condition', attr: 'device.type', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: 'mobile' } };
 */
export interface ConditionNode {
  kind: 'condition';
  attr: string;
  attrType: AttrType;
  op: Operator;
  value: ConditionValue;
}

/**
 * A validated event count: true when `min <= count <= max` (max `null` = unbounded) over events
 * named `event` that satisfy every `where` condition (attributes are the event's properties) and
 * lie within the last `inLastDays` days (`null` = all time).
 * @example const e: EventNode = { kind: 'event', event: 'page_view', where: [], min: 1, max: null, inLastDays: 30 };
 */
export interface EventNode {
  kind: 'event';
  event: string;
  where: ConditionNode[];
  min: number;
  max: number | null;
  inLastDays: number | null;
}

/**
 * The validated rule tree.
 * @example const r: RuleNode = { kind: 'all', rules: [{ kind: 'segment', slug: 'loyal' }] };
 */
export type RuleNode =
  | { kind: 'all'; rules: RuleNode[] }
  | { kind: 'any'; rules: RuleNode[] }
  | { kind: 'not'; rule: RuleNode }
  | ConditionNode
  | EventNode
  | { kind: 'segment'; slug: string };

/** Limits of CONTRACT.md section 1 (validation). */
export const RULE_LIMITS = {
  maxDepth: 32,
  maxNodes: 1000,
  maxListValues: 1000,
  maxStringLength: 512,
} as const;

/** Milliseconds in one day of the rule language (86,400 s, no calendar). */
export const DAY_MS = 86_400_000;

/**
 * The slugs of the segments a rule references, in order of appearance (repeats kept).
 * @example ruleReferences({ kind: 'all', rules: [{ kind: 'segment', slug: 'loyal' }, { kind: 'not', rule: { kind: 'segment', slug: 'vip' } }] }); // ['loyal', 'vip']
 */
export function ruleReferences(rule: RuleNode, into: string[] = []): string[] {
  if (rule.kind === 'segment') into.push(rule.slug);
  else if (rule.kind === 'all' || rule.kind === 'any') for (const r of rule.rules) ruleReferences(r, into);
  else if (rule.kind === 'not') ruleReferences(rule.rule, into);
  return into;
}
