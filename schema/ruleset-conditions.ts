/**
 * One validated condition turned into a specialised test `(value, now) => boolean`, built once per
 * ruleset: lists become sets, globs compiled automata, dates parsed instants. Same semantics as
 * `evaluateCondition` of the reference evaluator, which the property tests hold it to.
 */
import type { AttrValue } from './context.js';
import { dateValue } from './dates.js';
import { compileGlob } from './glob.js';
import { DAY_MS, type ConditionNode } from './rule.js';

/** A compiled condition on one attribute value at instant `now`. */
export type ConditionTest = (value: AttrValue, now: number) => boolean;

const never = (): boolean => false;

function stringTest(op: ConditionNode['op'], v: ConditionNode['value']): ConditionTest {
  const s = v.kind === 'scalar' ? v.value : undefined;
  const text = String(s);
  const set = v.kind === 'list' ? new Set<string | number>(v.values) : null;
  switch (op) {
    case 'eq':
      return (x) => x === s;
    case 'neq':
      return (x) => typeof x === 'string' && x !== s;
    case 'in':
      return (x) => typeof x === 'string' && set !== null && set.has(x);
    case 'notIn':
      return (x) => typeof x === 'string' && set !== null && !set.has(x);
    case 'contains':
      return (x) => typeof x === 'string' && x.includes(text);
    case 'startsWith':
      return (x) => typeof x === 'string' && x.startsWith(text);
    case 'endsWith':
      return (x) => typeof x === 'string' && x.endsWith(text);
    case 'matches': {
      const glob = compileGlob(text);
      return (x) => typeof x === 'string' && glob.test(x);
    }
    default:
      return never;
  }
}

function numberTest(op: ConditionNode['op'], v: ConditionNode['value'], read: (x: AttrValue) => number | null): ConditionTest {
  const n = v.kind === 'scalar' && typeof v.value === 'number' ? v.value : Number.NaN;
  const set = v.kind === 'list' ? new Set<string | number>(v.values) : null;
  const test = (compare: (x: number, now: number) => boolean): ConditionTest => (value, now) => {
    const x = read(value);
    return x !== null && compare(x, now);
  };
  switch (op) {
    case 'eq':
      return test((x) => x === n);
    case 'neq':
      return test((x) => x !== n);
    case 'in':
      return test((x) => set !== null && set.has(x));
    case 'notIn':
      return test((x) => set !== null && !set.has(x));
    case 'gt':
      return test((x) => x > n);
    case 'gte':
      return test((x) => x >= n);
    case 'lt':
      return test((x) => x < n);
    case 'lte':
      return test((x) => x <= n);
    case 'between': {
      if (v.kind !== 'range') return never;
      const { low, high } = v;
      return test((x) => x >= low && x <= high);
    }
    case 'inLastDays': {
      if (v.kind !== 'days') return never;
      const span = v.days * DAY_MS;
      return test((x, now) => x >= now - span && x <= now);
    }
    case 'notInLastDays': {
      if (v.kind !== 'days') return never;
      const span = v.days * DAY_MS;
      return test((x, now) => x < now - span);
    }
    default:
      return never;
  }
}

const readNumber = (x: AttrValue): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const readDate = (x: AttrValue): number | null => dateValue(x);

function isStringList(x: AttrValue): x is readonly string[] {
  if (!Array.isArray(x)) return false;
  for (const item of x) if (typeof item !== 'string') return false;
  return true;
}

function listTest(op: ConditionNode['op'], v: ConditionNode['value']): ConditionTest {
  if (v.kind !== 'list') return never;
  const wanted = v.values.map(String);
  switch (op) {
    case 'hasAny':
      return (x) => isStringList(x) && wanted.some((w) => x.includes(w));
    case 'hasAll':
      return (x) => isStringList(x) && wanted.every((w) => x.includes(w));
    case 'hasNone':
      return (x) => isStringList(x) && !wanted.some((w) => x.includes(w));
    default:
      return never;
  }
}

/**
 * Compiles a condition to a test of one attribute value.
 * @example compileCondition({ kind: 'condition', attr: 'geo.country', attrType: 'string', op: 'in', value: { kind: 'list', values: ['VN'] } })('VN', 0); // true
 */
export function compileCondition(node: ConditionNode): ConditionTest {
  if (node.op === 'exists') return (x) => x !== undefined && x !== null;
  if (node.op === 'notExists') return (x) => x === undefined || x === null;
  switch (node.attrType) {
    case 'string':
      return stringTest(node.op, node.value);
    case 'number':
      return numberTest(node.op, node.value, readNumber);
    case 'date':
      return numberTest(node.op, node.value, readDate);
    case 'boolean': {
      const b = node.value.kind === 'scalar' ? node.value.value : undefined;
      if (node.op === 'eq') return (x) => typeof x === 'boolean' && x === b;
      if (node.op === 'neq') return (x) => typeof x === 'boolean' && x !== b;
      return never;
    }
    case 'stringList':
      return listTest(node.op, node.value);
  }
}
