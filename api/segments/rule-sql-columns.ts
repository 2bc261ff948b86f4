/**
 * Conditions on integer and instant columns compared on the column itself (so its index can serve),
 * and the bound forms of values (scalars, array literals): the parts of the rule compiler
 * (rule-sql.ts) that turn a condition's value into parameters.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Now } from './rule-sql-attributes.js';
import type { ConditionNode } from '../../schema/rule.js';
import { DAY_MS } from '../../schema/rule.js';

const TRUE = sql`true`;
const FALSE = sql`false`;

/** An instant in ms as the ISO text of a timestamptz parameter. */
export function isoParam(ms: number): string {
  return new Date(ms).toISOString();
}

/** Integers a PostgreSQL `integer` holds; instants a timestamptz(3) parameter is written for (years 1-9999). */
const DOMAINS = {
  integer: { min: -2147483648, max: 2147483647, param: (n: number) => sql`${n}::int4` },
  instant: { min: Date.parse('0001-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z'), param: (n: number) => sql`${isoParam(n)}::timestamptz` },
} as const;

/** An interval of whole numbers (inclusive, null = unbounded), or 'empty'. */
type Interval = { lo: number | null; hi: number | null } | 'empty';

/**
 * The whole numbers `x` (integer column values, or instants in ms, always whole) for which
 * `x op value` holds, as an interval; undefined when the operator is not an ordering one.
 */
function intervalOf(node: ConditionNode, now: number): Interval | undefined {
  const { op, value } = node;
  const scalar = value.kind === 'scalar' && typeof value.value === 'number' ? value.value : undefined;
  switch (op) {
    case 'eq':
    case 'neq':
      if (scalar === undefined) return undefined;
      return Number.isInteger(scalar) ? { lo: scalar, hi: scalar } : 'empty';
    case 'gt':
      return scalar === undefined ? 'empty' : { lo: Math.floor(scalar) + 1, hi: null };
    case 'gte':
      return scalar === undefined ? 'empty' : { lo: Math.ceil(scalar), hi: null };
    case 'lt':
      return scalar === undefined ? 'empty' : { lo: null, hi: Math.ceil(scalar) - 1 };
    case 'lte':
      return scalar === undefined ? 'empty' : { lo: null, hi: Math.floor(scalar) };
    case 'between':
      return value.kind === 'range' ? { lo: Math.ceil(value.low), hi: Math.floor(value.high) } : 'empty';
    case 'inLastDays':
      return value.kind === 'days' ? { lo: Math.ceil(now - value.days * DAY_MS), hi: Math.floor(now) } : 'empty';
    case 'notInLastDays':
      return value.kind === 'days' ? { lo: null, hi: Math.ceil(now - value.days * DAY_MS) - 1 } : 'empty';
    default:
      return undefined;
  }
}

/** Clamps an interval to what the column can hold: a bound beyond it is no bound, or nothing. */
function clamp(interval: Interval, domain: { min: number; max: number }): Interval {
  if (interval === 'empty') return interval;
  let { lo, hi } = interval;
  if (lo !== null && (Number.isNaN(lo) || lo > domain.max)) return 'empty';
  if (hi !== null && (Number.isNaN(hi) || hi < domain.min)) return 'empty';
  if (lo !== null && lo <= domain.min) lo = null;
  if (hi !== null && hi >= domain.max) hi = null;
  if (lo !== null && hi !== null && lo > hi) return 'empty';
  return { lo, hi };
}

/**
 * A condition on an integer or instant column, compared on the column (so its index can serve):
 * the values are whole numbers, so `x > 2.5` is `x >= 3`, an instant `t >= v ms` is
 * `t >= v::timestamptz` (timestamptz(3) holds exactly the milliseconds). Undefined when the
 * operator has no such form (the float view is used then).
 */
export function columnCondition(node: ConditionNode, attr: { kind: 'integer' | 'float' | 'instant'; expr: SQL; nullable: boolean }, now: Now): SQL | undefined {
  if (attr.kind === 'float') return undefined;
  // A window bound computed in SQL cannot be clamped to the column's domain here: compare in ms.
  if (typeof now !== 'number' && (node.op === 'inLastDays' || node.op === 'notInLastDays')) return undefined;
  const domain = DOMAINS[attr.kind];
  const col = attr.expr;
  const guard = (predicate: SQL) => (attr.nullable ? sql`(${col} is not null and ${predicate})` : sql`(${predicate})`);
  const present = attr.nullable ? sql`(${col} is not null)` : TRUE;
  if (attr.kind === 'integer' && (node.op === 'in' || node.op === 'notIn')) {
    if (node.value.kind !== 'list') return undefined;
    const whole = [...new Set(node.value.values.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= domain.min && v <= domain.max))];
    if (whole.length === 0) return node.op === 'in' ? FALSE : present;
    const member = sql`(${col} = any(${arrayLiteral(whole)}::int4[]))`;
    return node.op === 'in' ? guard(member) : guard(sql`not ${member}`);
  }
  const raw = intervalOf(node, typeof now === 'number' ? now : Number.NaN);
  if (raw === undefined) return undefined;
  if (node.op === 'neq') {
    // Present and different: a value the column cannot hold (not whole, out of range) differs from all.
    if (raw === 'empty' || raw.lo === null || raw.lo < domain.min || raw.lo > domain.max) return present;
    return guard(sql`${col} <> ${domain.param(raw.lo)}`);
  }
  const interval = clamp(raw, domain);
  if (interval === 'empty') return FALSE;
  const { lo, hi } = interval;
  if (lo === null && hi === null) return present;
  if (lo !== null && hi !== null && lo === hi) return guard(sql`${col} = ${domain.param(lo)}`);
  const parts: SQL[] = [];
  if (lo !== null) parts.push(sql`${col} >= ${domain.param(lo)}`);
  if (hi !== null) parts.push(sql`${col} <= ${domain.param(hi)}`);
  return guard(sql.join(parts, sql` and `));
}

export function scalarParam(value: string | number | boolean): SQL {
  if (typeof value === 'boolean') return sql`${value}::boolean`;
  if (typeof value === 'number') return sql`${value}::float8`;
  return sql`${value}::text`;
}

/**
 * A value list as ONE bound parameter: a PostgreSQL array literal, every element double-quoted
 * with `\` and `"` escaped (so any string stands for itself). A parameter, not `array(select ...)`
 * over a JSON parameter: no init plan to plan and start per list (the per-profile query has many).
 */
export function arrayLiteral(values: ReadonlyArray<string | number>): string {
  return `{${values.map((v) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
