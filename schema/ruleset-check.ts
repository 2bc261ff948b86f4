/**
 * Structural validation of a ruleset document received over the network: the Worker never trusts
 * what it downloads. Every index must point inside its table, every segment reference to an earlier
 * segment, every condition must be one `validateRule` could have produced. Never throws.
 */
import type { ConditionValue } from './rule.js';
import { RULE_LIMITS, type AttrType } from './rule.js';
import { DAYS_OPERATORS, isOperator, LIST_OPERATORS, MAX_DAYS, operatorAccepts, PRESENCE_OPERATORS } from './validate-operators.js';
import { checkSplits } from './ruleset-splits.js';
import { MAX_HISTORY_DAYS, RULESET_FORMAT, type ConditionEntry, type CountEntry, type Expr, type FilterEntry, type Ruleset, type RulesetSegment } from './ruleset-types.js';

const ATTR_TYPES: readonly AttrType[] = ['string', 'number', 'boolean', 'date', 'stringList'];
const MAX_EXPR_DEPTH = 64;
const MAX_TABLE = 200_000;

type Errors = string[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown, size: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < size;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length <= RULE_LIMITS.maxStringLength * 4;

const scalarOk = (s: unknown): boolean => (typeof s === 'string' && isShortString(s)) || (typeof s === 'number' && Number.isFinite(s)) || typeof s === 'boolean';
const SCALAR_REFUSED: readonly string[] = [...PRESENCE_OPERATORS, ...LIST_OPERATORS, ...DAYS_OPERATORS, 'between'];

function checkValue(value: unknown, op: string, type: AttrType): value is ConditionValue {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case 'none':
      return (PRESENCE_OPERATORS as readonly string[]).includes(op);
    case 'scalar':
      return scalarOk(value.value) && !SCALAR_REFUSED.includes(op);
    case 'list':
      return (
        (LIST_OPERATORS as readonly string[]).includes(op) &&
        Array.isArray(value.values) &&
        value.values.length > 0 &&
        value.values.length <= RULE_LIMITS.maxListValues &&
        value.values.every((s) => (type === 'number' ? typeof s === 'number' && Number.isFinite(s) : typeof s === 'string' && isShortString(s)))
      );
    case 'range':
      return op === 'between' && typeof value.low === 'number' && typeof value.high === 'number' && value.low <= value.high;
    case 'days':
      return (DAYS_OPERATORS as readonly string[]).includes(op) && Number.isInteger(value.days) && (value.days as number) >= 1 && (value.days as number) <= MAX_DAYS;
    default:
      return false;
  }
}

function checkConditions(raw: unknown, where: string, errors: Errors): raw is ConditionEntry[] {
  if (!Array.isArray(raw) || raw.length > MAX_TABLE) return errors.push(`${where} must be an array`) < 0;
  raw.forEach((c, i) => {
    const ok =
      Array.isArray(c) &&
      c.length === 4 &&
      isShortString(c[0]) &&
      ATTR_TYPES.includes(c[1]) &&
      isOperator(c[2]) &&
      operatorAccepts(c[1], c[2]) &&
      checkValue(c[3], c[2], c[1]);
    if (!ok) errors.push(`${where}[${i}] is not a valid condition`);
  });
  return true;
}

function checkExpr(expr: unknown, sizes: { c: number; e: number; s: number }, depth: number): boolean {
  if (typeof expr === 'boolean') return true;
  if (!Array.isArray(expr) || depth > MAX_EXPR_DEPTH) return false;
  const head: unknown = expr[0];
  switch (head) {
    case 'c':
    case 'e':
    case 's':
      return expr.length === 2 && isIndex(expr[1], sizes[head]);
    case 'not':
      return expr.length === 2 && checkExpr(expr[1], sizes, depth + 1);
    case 'and':
    case 'or':
      for (let k = 1; k < expr.length; k++) if (!checkExpr(expr[k], sizes, depth + 1)) return false;
      return true;
    default:
      return false;
  }
}

/**
 * Checks that `json` is a well-formed ruleset of this format; returns the problems found.
 * @example checkRuleset({ format: 1 }).length > 0; // true
 */
export function checkRuleset(json: unknown): { ok: true; ruleset: Ruleset } | { ok: false; errors: string[] } {
  const errors: Errors = [];
  if (!isObject(json)) return { ok: false, errors: ['the ruleset is not a JSON object'] };
  if (json.format !== RULESET_FORMAT) return { ok: false, errors: [`unsupported ruleset format ${JSON.stringify(json.format)}; this edge reads format ${RULESET_FORMAT}`] };
  if (typeof json.version !== 'string' || json.version.length > 200) errors.push('version must be a string of at most 200 characters');
  if (!Number.isInteger(json.maxPageViewDays) || (json.maxPageViewDays as number) < 0 || (json.maxPageViewDays as number) > MAX_HISTORY_DAYS) {
    errors.push(`maxPageViewDays must be an integer from 0 to ${MAX_HISTORY_DAYS}`);
  }
  checkConditions(json.conditions, 'conditions', errors);
  checkConditions(json.propertyConditions, 'propertyConditions', errors);
  const propertyCount = Array.isArray(json.propertyConditions) ? json.propertyConditions.length : 0;
  const filters = Array.isArray(json.filters) ? (json.filters as unknown[]) : null;
  if (!filters || filters.length > MAX_TABLE) errors.push('filters must be an array');
  filters?.forEach((f, i) => {
    const ok = Array.isArray(f) && f.length === 2 && isShortString(f[0]) && Array.isArray(f[1]) && (f[1] as unknown[]).every((w) => isIndex(w, propertyCount));
    if (!ok) errors.push(`filters[${i}] is not a valid event filter`);
  });
  const counts = Array.isArray(json.counts) ? (json.counts as unknown[]) : null;
  if (!counts || counts.length > MAX_TABLE) errors.push('counts must be an array');
  counts?.forEach((c, i) => {
    const ok =
      Array.isArray(c) &&
      c.length === 4 &&
      isIndex(c[0], filters?.length ?? 0) &&
      isCount(c[1]) &&
      (c[2] === null || (isCount(c[2]) && c[2] >= c[1])) &&
      (c[3] === null || (Number.isInteger(c[3]) && c[3] >= 1 && c[3] <= MAX_DAYS));
    if (!ok) errors.push(`counts[${i}] is not a valid event count`);
  });
  const segments = Array.isArray(json.segments) ? (json.segments as unknown[]) : null;
  if (!segments || segments.length > MAX_TABLE) errors.push('segments must be an array');
  const seen = new Set<string>();
  segments?.forEach((s, i) => {
    if (!isObject(s) || typeof s.slug !== 'string' || seen.has(s.slug) || (s.scope !== 'edge' && s.scope !== 'profile')) {
      errors.push(`segments[${i}] needs a unique slug and a scope of edge or profile`);
      return;
    }
    seen.add(s.slug);
    const sizes = { c: Array.isArray(json.conditions) ? json.conditions.length : 0, e: counts?.length ?? 0, s: i };
    if (s.scope === 'edge' && !checkExpr(s.rule, sizes, 0)) errors.push(`segments[${i}] (${s.slug}) has an invalid rule`);
  });
  checkSplits(json.splits, seen, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, ruleset: json as unknown as Ruleset };
}

export type { ConditionEntry, CountEntry, Expr, FilterEntry, RulesetSegment };
