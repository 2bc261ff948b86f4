/**
 * The reference evaluator: CONTRACT.md section 1 written as plainly as possible, one rule at a time,
 * with no caching and no cleverness. It is the oracle the compiled edge ruleset and the SQL profile
 * evaluator are tested against; it is not used on a hot path.
 */
import { readAttribute, type AttrValue, type EvalContext, type EventRecord } from './context.js';
import { dateValue } from './dates.js';
import { globMatch } from './glob.js';
import { DAY_MS, type ConditionNode, type EventNode, type RuleNode, type Scope } from './rule.js';

/** A segment a rule may reference, as the evaluator needs to know it. */
export interface ReferencedRule {
  rule: RuleNode;
  scope: Scope;
  /** Only published segments have members; a reference to any other is false. */
  published: boolean;
}

/**
 * Where the evaluation happens. At the `edge`, a reference to a profile-scoped segment is true only
 * when the context's `memberships` name it (an identified visitor); in `profile` mode every
 * referenced rule is evaluated on the same subject.
 * @example const env: ReferenceEnv = { mode: 'edge', segment: () => undefined };
 */
export interface ReferenceEnv {
  mode: 'edge' | 'profile';
  segment(slug: string): ReferencedRule | undefined;
}

/**
 * Whether `ctx` satisfies `rule` at instant `now` (epoch ms).
 * @example evaluateRule({ kind: 'all', rules: [] }, { attributes: {}, events: [] }, 0, { mode: 'edge', segment: () => undefined }); // true
 */
export function evaluateRule(rule: RuleNode, ctx: EvalContext, now: number, env: ReferenceEnv): boolean {
  return evaluate(rule, ctx, now, env, []);
}

function evaluate(rule: RuleNode, ctx: EvalContext, now: number, env: ReferenceEnv, stack: string[]): boolean {
  switch (rule.kind) {
    case 'all':
      return rule.rules.every((r) => evaluate(r, ctx, now, env, stack));
    case 'any':
      return rule.rules.some((r) => evaluate(r, ctx, now, env, stack));
    case 'not':
      return !evaluate(rule.rule, ctx, now, env, stack);
    case 'condition':
      return evaluateCondition(rule, readAttribute(ctx.attributes, rule.attr), now);
    case 'event':
      return evaluateEvent(rule, ctx.events, now);
    case 'segment': {
      const target = env.segment(rule.slug);
      if (!target || !target.published || stack.includes(rule.slug)) return false;
      if (env.mode === 'edge' && target.scope === 'profile') return (ctx.memberships ?? []).includes(rule.slug);
      return evaluate(target.rule, ctx, now, env, [...stack, rule.slug]);
    }
    default: {
      const never: never = rule;
      return never;
    }
  }
}

/**
 * Counts the events named `node.event` that satisfy every `where` condition and lie in the window
 * (`now - inLastDays days <= at <= now`; all time when `inLastDays` is null).
 * @example evaluateEvent({ kind: 'event', event: 'page_view', where: [], min: 0, max: 0, inLastDays: null }, [], 0); // true
 */
export function evaluateEvent(node: EventNode, events: readonly EventRecord[], now: number): boolean {
  let count = 0;
  for (const event of events) {
    if (event.name !== node.event) continue;
    if (node.inLastDays !== null && !(event.at >= now - node.inLastDays * DAY_MS && event.at <= now)) continue;
    if (!node.where.every((c) => evaluateCondition(c, readAttribute(event.properties, c.attr), now))) continue;
    count++;
  }
  return count >= node.min && (node.max === null || count <= node.max);
}

const isMissing = (v: AttrValue): v is null | undefined => v === undefined || v === null;

/** The attribute as the condition's type sees it; `undefined` when it has another runtime type. */
function typed(value: AttrValue, type: ConditionNode['attrType']): string | number | boolean | readonly string[] | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'date':
      return dateValue(value) ?? undefined;
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as readonly string[]) : undefined;
  }
}

/**
 * One condition against one attribute value.
 * @example evaluateCondition({ kind: 'condition', attr: 'x', attrType: 'string', op: 'neq', value: { kind: 'scalar', value: 'a' } }, undefined, 0); // false
 */
export function evaluateCondition(node: ConditionNode, value: AttrValue, now: number): boolean {
  if (node.op === 'exists') return !isMissing(value);
  if (node.op === 'notExists') return isMissing(value);
  if (isMissing(value)) return false;
  const x = typed(value, node.attrType);
  return x !== undefined && evaluateTypedCondition(node, x, now);
}

/**
 * One condition (not `exists` / `notExists`) against a value already of the condition's type, as
 * `evaluateCondition` sees it after its type check: for `date`, epoch milliseconds. For evaluators
 * that keep typed values (api/segments/preview keeps instants as milliseconds).
 * @example evaluateTypedCondition({ kind: 'condition', attr: 'x', attrType: 'number', op: 'gt', value: { kind: 'scalar', value: 1 } }, 2, 0); // true
 */
export function evaluateTypedCondition(node: ConditionNode, x: string | number | boolean | readonly string[], now: number): boolean {
  const v = node.value;
  switch (node.op) {
    case 'eq':
      return v.kind === 'scalar' && x === v.value;
    case 'neq':
      return v.kind === 'scalar' && x !== v.value;
    case 'in':
      return v.kind === 'list' && (typeof x === 'string' || typeof x === 'number') && v.values.includes(x);
    case 'notIn':
      return v.kind === 'list' && (typeof x === 'string' || typeof x === 'number') && !v.values.includes(x);
    case 'gt':
      return v.kind === 'scalar' && typeof x === 'number' && typeof v.value === 'number' && x > v.value;
    case 'gte':
      return v.kind === 'scalar' && typeof x === 'number' && typeof v.value === 'number' && x >= v.value;
    case 'lt':
      return v.kind === 'scalar' && typeof x === 'number' && typeof v.value === 'number' && x < v.value;
    case 'lte':
      return v.kind === 'scalar' && typeof x === 'number' && typeof v.value === 'number' && x <= v.value;
    case 'between':
      return v.kind === 'range' && typeof x === 'number' && x >= v.low && x <= v.high;
    case 'contains':
      return v.kind === 'scalar' && typeof x === 'string' && x.includes(String(v.value));
    case 'startsWith':
      return v.kind === 'scalar' && typeof x === 'string' && x.startsWith(String(v.value));
    case 'endsWith':
      return v.kind === 'scalar' && typeof x === 'string' && x.endsWith(String(v.value));
    case 'matches':
      return v.kind === 'scalar' && typeof x === 'string' && globMatch(String(v.value), x);
    case 'hasAny':
      return v.kind === 'list' && Array.isArray(x) && v.values.some((s) => x.includes(String(s)));
    case 'hasAll':
      return v.kind === 'list' && Array.isArray(x) && v.values.every((s) => x.includes(String(s)));
    case 'hasNone':
      return v.kind === 'list' && Array.isArray(x) && !v.values.some((s) => x.includes(String(s)));
    case 'inLastDays':
      return v.kind === 'days' && typeof x === 'number' && x >= now - v.days * DAY_MS && x <= now;
    case 'notInLastDays':
      return v.kind === 'days' && typeof x === 'number' && x < now - v.days * DAY_MS;
    case 'exists':
    case 'notExists':
      return false; // decided on presence by evaluateCondition
    default: {
      const never: never = node.op;
      return never;
    }
  }
}
