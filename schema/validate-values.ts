/**
 * Validation of a condition's `value` against its operator and the attribute's type, producing the
 * normalised `ConditionValue` (dates as epoch milliseconds, `-0` as `0`).
 */
import type { AttributeSpec } from './attributes.js';
import { parseIsoDate } from './dates.js';
import { RULE_LIMITS, type AttrType, type ConditionValue, type Operator, type Scalar } from './rule.js';
import {
  DAYS_OPERATORS,
  LIST_OPERATORS,
  MAX_DAYS,
  PRESENCE_OPERATORS,
  valueNouns,
} from './validate-operators.js';
import { describeValue, ownValue, quote, suggestClosest, type PathSegment, type ProblemList } from './validate-problems.js';

/**
 * What a value is checked against: the attribute (or event property) as messages name it, its type,
 * the catalogue's format hints, and an operator already known to suit the type.
 * @example const t: ValueTarget = { label: 'geo.country', type: 'string', spec: { format: 'country' }, op: 'in' };
 */
export interface ValueTarget {
  label: string;
  type: AttrType;
  spec?: Pick<AttributeSpec, 'format' | 'allowed' | 'range'>;
  op: Operator;
}

const COUNTRY_CODE = /^[A-Z]{2}$/;
const { maxStringLength, maxListValues } = RULE_LIMITS;

function checkText(target: ValueTarget, text: string, path: readonly PathSegment[], errors: ProblemList): boolean {
  if (text.length > maxStringLength) {
    errors.add(path, 'string_too_long', `A value can be at most ${maxStringLength} characters long; this one has ${text.length}`);
    return false;
  }
  if (target.op === 'matches' && text === '') {
    errors.add(path, 'invalid_glob', "A pattern for 'matches' cannot be empty (use '*' or '**' to match anything)");
    return false;
  }
  if (!['eq', 'neq', 'in', 'notIn'].includes(target.op)) return true;
  if (target.spec?.format === 'country' && !COUNTRY_CODE.test(text)) {
    const hint = /^[A-Za-z]{2}$/.test(text) ? `; did you mean ${quote(text.toUpperCase())}?` : " such as 'VN'";
    errors.add(path, 'invalid_format', `${quote(text)} is not an upper-case ISO country code${hint}`);
    return false;
  }
  const allowed = target.spec?.allowed;
  if (allowed && !allowed.includes(text)) {
    const hint = suggestClosest(text, allowed);
    const mean = hint === undefined ? '' : ` (did you mean ${quote(hint)}?)`;
    errors.add(path, 'not_allowed', `${quote(text)} is not a possible value of ${target.label}${mean}; use one of: ${allowed.join(', ')}`);
    return false;
  }
  return true;
}

function checkNumber(target: ValueTarget, value: number, path: readonly PathSegment[], errors: ProblemList): boolean {
  if (!Number.isFinite(value)) {
    errors.add(path, 'not_finite', `${target.label} needs a finite number, got ${String(value)}`);
    return false;
  }
  const range = target.spec?.range;
  if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
    errors.add(path, 'out_of_range', `${target.label} expects ${valueNouns('number', target.spec).one}, got ${value}`);
    return false;
  }
  return true;
}

/** One scalar of the target's type, normalised; `undefined` after reporting a problem. */
function readScalar(target: ValueTarget, raw: unknown, path: readonly PathSegment[], errors: ProblemList, noun: string): Scalar | undefined {
  const wrong = (): undefined => {
    errors.add(path, 'invalid_value', `${target.label} expects ${noun} for '${target.op}', got ${describeValue(raw)}`);
    return undefined;
  };
  switch (target.type) {
    case 'string':
    case 'stringList':
      if (typeof raw !== 'string') return wrong();
      return checkText(target, raw, path, errors) ? raw : undefined;
    case 'number':
      if (typeof raw !== 'number') return wrong();
      if (!checkNumber(target, raw, path, errors)) return undefined;
      return raw === 0 ? 0 : raw;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : wrong();
    case 'date': {
      if (typeof raw !== 'string') return wrong();
      const instant = parseIsoDate(raw);
      if (instant === null) {
        errors.add(path, 'invalid_date', `${quote(raw)} is not a valid date; use YYYY-MM-DD or an ISO date-time such as 2026-11-23T10:00:00Z`);
        return undefined;
      }
      return instant;
    }
    default: {
      const unreachable: never = target.type;
      return unreachable;
    }
  }
}

function readDays(target: ValueTarget, raw: unknown, path: readonly PathSegment[], errors: ProblemList): ConditionValue | null {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) {
    errors.add(path, 'invalid_days', `'${target.op}' expects a whole number of days (1 or more), got ${typeof raw === 'number' ? String(raw) : describeValue(raw)}`);
    return null;
  }
  if (raw > MAX_DAYS) {
    errors.add(path, 'invalid_days', `'${target.op}' can look back at most ${MAX_DAYS} days (about ten years), got ${raw}`);
    return null;
  }
  return { kind: 'days', days: raw };
}

function readList(target: ValueTarget, raw: unknown, path: readonly PathSegment[], errors: ProblemList): ConditionValue | null {
  const nouns = valueNouns(target.type, target.spec);
  if (!Array.isArray(raw)) {
    errors.add(path, 'invalid_value', `${target.label} expects a list of ${nouns.many} for '${target.op}', got ${describeValue(raw)}`);
    return null;
  }
  if (raw.length === 0) {
    errors.add(path, 'empty_list', `'${target.op}' needs at least one value in its list`);
    return null;
  }
  if (raw.length > maxListValues) {
    errors.add(path, 'list_too_long', `A list can hold at most ${maxListValues} values; this one has ${raw.length}`);
    return null;
  }
  const values: Array<string | number> = [];
  let ok = true;
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    const value = readScalar(target, item, [...path, i], errors, nouns.many);
    if (typeof value === 'string' || typeof value === 'number') values.push(value);
    else ok = false;
  }
  return ok ? { kind: 'list', values } : null;
}

function readRange(target: ValueTarget, raw: unknown, path: readonly PathSegment[], errors: ProblemList): ConditionValue | null {
  const nouns = valueNouns(target.type, target.spec);
  if (!Array.isArray(raw) || raw.length !== 2) {
    errors.add(path, 'invalid_range', `'between' expects two ${nouns.many} as [low, high], got ${Array.isArray(raw) ? `a list of ${raw.length}` : describeValue(raw)}`);
    return null;
  }
  const low = readScalar(target, raw[0], [...path, 0], errors, nouns.one);
  const high = readScalar(target, raw[1], [...path, 1], errors, nouns.one);
  if (typeof low !== 'number' || typeof high !== 'number') return null;
  if (low > high) {
    const order = target.type === 'date' ? 'is after' : 'is greater than';
    errors.add(path, 'invalid_range', `'between' needs [low, high] with low <= high; ${String(raw[0])} ${order} ${String(raw[1])}`);
    return null;
  }
  return { kind: 'range', low, high };
}

/**
 * Checks the `value` of a condition (an object whose operator suits the target's type) and returns
 * its normalised form, or `null` after adding every problem to `errors`. `path` is the condition's.
 * @example validateConditionValue({ label: 'time.hour', type: 'number', spec: { range: [0, 23] }, op: 'between' }, { value: [9, 17] }, [], createProblemList()); // { kind: 'range', low: 9, high: 17 }
 */
export function validateConditionValue(
  target: ValueTarget,
  condition: object,
  path: readonly PathSegment[],
  errors: ProblemList,
): ConditionValue | null {
  const valuePath = [...path, 'value'];
  const hasValue = Object.hasOwn(condition, 'value');
  const raw = ownValue(condition, 'value');
  if (PRESENCE_OPERATORS.includes(target.op)) {
    if (!hasValue) return { kind: 'none' };
    errors.add(valuePath, 'unexpected_value', `'${target.op}' takes no value; remove 'value'`);
    return null;
  }
  if (!hasValue) {
    errors.add(valuePath, 'missing_value', `'${target.op}' on ${target.label} needs a value`);
    return null;
  }
  if (DAYS_OPERATORS.includes(target.op)) return readDays(target, raw, valuePath, errors);
  if (LIST_OPERATORS.includes(target.op)) return readList(target, raw, valuePath, errors);
  if (target.op === 'between') return readRange(target, raw, valuePath, errors);
  const nouns = valueNouns(target.type, target.spec);
  if (Array.isArray(raw)) {
    const hint = target.type === 'string' || target.type === 'number' ? " (use 'in' for several values)" : '';
    errors.add(valuePath, 'invalid_value', `${target.label} expects ${nouns.one} for '${target.op}', not a list${hint}`);
    return null;
  }
  const value = readScalar(target, raw, valuePath, errors, nouns.one);
  return value === undefined ? null : { kind: 'scalar', value };
}
