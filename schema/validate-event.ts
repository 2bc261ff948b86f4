/**
 * Validation of event count rules: `{ event, where?, min?, max?, inLastDays? }`.
 */
import { PAGE_VIEW_EVENT } from './attributes.js';
import type { ConditionNode, EventNode, Scope } from './rule.js';
import { EVENT_NAME_PATTERN, validatePropertyCondition } from './validate-condition.js';
import { MAX_DAYS } from './validate-operators.js';
import { checkKeys, describeValue, isRecord, ownValue, quote, type PathSegment, type ProblemList } from './validate-problems.js';

/**
 * The keys of an event rule.
 * @example EVENT_KEYS.includes('inLastDays'); // true
 */
export const EVENT_KEYS: readonly string[] = ['event', 'where', 'min', 'max', 'inLastDays'];

/** Keys that make an object a rule other than a condition (not allowed inside `where`). */
const NON_CONDITION_KEYS: readonly string[] = ['all', 'any', 'not', 'event', 'segment'];

function readEventName(raw: unknown, path: readonly PathSegment[], errors: ProblemList): string | null {
  if (typeof raw === 'string' && EVENT_NAME_PATTERN.test(raw)) return raw;
  const detail = typeof raw === 'string' ? (raw === '' ? 'it is empty' : `got ${quote(raw)}`) : `got ${describeValue(raw)}`;
  errors.add([...path, 'event'], 'invalid_event_name', `An event name uses letters, digits, _ . : - (1 to 64 characters); ${detail}`);
  return null;
}

function readInteger(
  object: object,
  key: 'min' | 'max' | 'inLastDays',
  lowest: number,
  path: readonly PathSegment[],
  errors: ProblemList,
): number | null | undefined {
  if (!Object.hasOwn(object, key)) return undefined;
  const raw = ownValue(object, key);
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < lowest) {
    const got = typeof raw === 'number' ? String(raw) : describeValue(raw);
    errors.add([...path, key], 'invalid_count', `'${key}' must be a whole number of ${lowest} or more, got ${got}`);
    return null;
  }
  if (key === 'inLastDays' && raw > MAX_DAYS) {
    errors.add([...path, key], 'invalid_days', `'inLastDays' can look back at most ${MAX_DAYS} days (about ten years), got ${raw}`);
    return null;
  }
  return raw === 0 ? 0 : raw;
}

function readWhere(
  event: object,
  eventName: string | null,
  path: readonly PathSegment[],
  errors: ProblemList,
  countNode: (path: readonly PathSegment[]) => boolean,
): ConditionNode[] | null {
  if (!Object.hasOwn(event, 'where')) return [];
  const wherePath = [...path, 'where'];
  const raw = ownValue(event, 'where');
  if (!Array.isArray(raw)) {
    errors.add(wherePath, 'invalid_where', `'where' must be a list of conditions on the event's properties, got ${describeValue(raw)}`);
    return null;
  }
  const where: ConditionNode[] = [];
  let ok = true;
  for (let i = 0; i < raw.length; i++) {
    const itemPath = [...wherePath, i];
    if (!countNode(itemPath)) return null;
    const item: unknown = raw[i];
    if (!isRecord(item)) {
      errors.add(itemPath, 'not_object', `Each entry of 'where' must be a condition such as { "attr": "path", "op": "eq", "value": "/" }, got ${describeValue(item)}`);
      ok = false;
      continue;
    }
    const nested = Object.keys(item).find((key) => NON_CONDITION_KEYS.includes(key));
    if (nested !== undefined) {
      errors.add(itemPath, 'invalid_where', `'where' holds only conditions on the event's properties, not ${quote(nested)}`);
      ok = false;
      continue;
    }
    const node = validatePropertyCondition(item, itemPath, eventName, errors);
    if (node) where.push(node);
    else ok = false;
  }
  return ok ? where : null;
}

/**
 * Validates an event rule: name, `where` conditions on its properties, `min` (default 1), `max`
 * (`null` when absent = unbounded) and `inLastDays` (`null` = all time, at most 3650). Scope is
 * `edge` for `page_view`, else `profile`. `countNode` is called for every `where` condition and
 * returns false once the rule has too many nodes.
 * @example validateEvent({ event: 'purchase', min: 2 }, [], createProblemList(), () => true); // { node: { kind: 'event', event: 'purchase', where: [], min: 2, max: null, inLastDays: null }, scope: 'profile' }
 */
export function validateEvent(
  event: object,
  path: readonly PathSegment[],
  errors: ProblemList,
  countNode: (path: readonly PathSegment[]) => boolean,
): { node: EventNode; scope: Scope } | null {
  const keysOk = checkKeys(event, EVENT_KEYS, path, errors, 'an event rule');
  const name = readEventName(ownValue(event, 'event'), path, errors);
  const where = readWhere(event, name, path, errors, countNode);
  const min = readInteger(event, 'min', 0, path, errors);
  const max = readInteger(event, 'max', 0, path, errors);
  const inLastDays = readInteger(event, 'inLastDays', 1, path, errors);
  if (min === null || max === null || inLastDays === null) return null;
  const lowest = min ?? 1;
  if (max !== undefined && lowest > max) {
    const message =
      min === undefined
        ? `'max' ${max} is below the default 'min' of 1; for "never did it" write "min": 0, "max": 0`
        : `'min' (${min}) must not be greater than 'max' (${max})`;
    errors.add([...path, 'max'], 'invalid_count', message);
    return null;
  }
  if (!keysOk || name === null || where === null) return null;
  return {
    node: { kind: 'event', event: name, where, min: lowest, max: max ?? null, inLastDays: inLastDays ?? null },
    scope: name === PAGE_VIEW_EVENT ? 'edge' : 'profile',
  };
}
