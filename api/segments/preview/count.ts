/**
 * Counts the live profiles of a ProfileSnapshot that a validated rule matches at `now`, with the
 * semantics of the reference evaluator (schema/reference.ts) and so of the SQL evaluator
 * (rule-sql.ts), which the tests hold equal: every condition is decided by the reference's own
 * `evaluateCondition` / `evaluateTypedCondition`, once per distinct value for JSON columns (traits,
 * event properties) and per row for numeric columns; nodes combine as one byte per slot.
 */
import type { AttrValue } from '../../../schema/context.js';
import { daysSinceLastPurchase } from '../../../schema/profile.js';
import { evaluateCondition, evaluateTypedCondition } from '../../../schema/reference.js';
import { TRAITS_PREFIX } from '../../../schema/attributes.js';
import { DAY_MS, type ConditionNode, type EventNode, type RuleNode } from '../../../schema/rule.js';
import type { ReferencedSegment } from '../rule-sql.js';
import type { ProfileSnapshot } from './snapshot.js';

export interface CountEnv {
  segment(slug: string): ReferencedSegment | undefined;
  /** Live slots of the members of a static segment (read by the caller before counting). */
  staticMembers(segmentId: string): Uint8Array;
}

type Mask = Uint8Array;

/**
 * Masks and counters are reused across counts of one copy (a count of a 1M-profile rule would
 * otherwise allocate ~1 MB per node and 4 MB per event count, and the garbage collector's passes
 * over the large heap cost more than the evaluation).
 */
const pools = new WeakMap<ProfileSnapshot, { masks: Mask[]; counts?: Int32Array }>();
function poolOf(s: ProfileSnapshot) {
  let pool = pools.get(s);
  if (pool === undefined) pools.set(s, (pool = { masks: [] }));
  return pool;
}
/** A mask of the copy's size filled with `value`. */
function newMask(s: ProfileSnapshot, value: 0 | 1): Mask {
  const pool = poolOf(s);
  let m = pool.masks.pop();
  while (m !== undefined && m.length !== s.size) m = pool.masks.pop();
  return m === undefined ? new Uint8Array(s.size).fill(value) : m.fill(value);
}
function release(s: ProfileSnapshot, m: Mask): void {
  const pool = poolOf(s);
  if (pool.masks.length < 16) pool.masks.push(m);
}
function zeroCounts(s: ProfileSnapshot): Int32Array {
  const pool = poolOf(s);
  if (pool.counts === undefined || pool.counts.length !== s.size) pool.counts = new Int32Array(s.size);
  else pool.counts.fill(0);
  return pool.counts;
}

/** The number of live slots matching `rule` at `now`. */
export function countRule(snapshot: ProfileSnapshot, rule: RuleNode, now: number, env: CountEnv): number {
  const mask = matchingSlots(snapshot, rule, now, env);
  let n = 0;
  for (let i = 0; i < snapshot.size; i++) n += mask[i]!;
  release(snapshot, mask);
  return n;
}

/** One byte per slot: 1 when the slot is live and matches `rule` at `now`. */
export function matchingSlots(snapshot: ProfileSnapshot, rule: RuleNode, now: number, env: CountEnv): Uint8Array {
  const mask = evaluate(snapshot, rule, now, env, new Set());
  const live = snapshot.live;
  for (let i = 0; i < snapshot.size; i++) mask[i]! &= live[i]!;
  return mask;
}

/** The static segments a rule reaches (through dynamic references too), for the caller to read. */
export function staticReferences(rule: RuleNode, env: Pick<CountEnv, 'segment'>, seen = new Set<string>(), into = new Set<string>()): Set<string> {
  switch (rule.kind) {
    case 'all':
    case 'any':
      for (const r of rule.rules) staticReferences(r, env, seen, into);
      break;
    case 'not':
      staticReferences(rule.rule, env, seen, into);
      break;
    case 'segment': {
      const target = env.segment(rule.slug);
      if (!target || seen.has(rule.slug)) break;
      if (target.type === 'static') into.add(target.id);
      else {
        seen.add(rule.slug);
        staticReferences(target.rule, env, seen, into);
        seen.delete(rule.slug);
      }
      break;
    }
    default:
      break;
  }
  return into;
}

function evaluate(s: ProfileSnapshot, node: RuleNode, now: number, env: CountEnv, resolving: Set<string>): Mask {
  switch (node.kind) {
    case 'all': {
      // Event counts last, each over the profiles still possible when there are few of them.
      const out = newMask(s, 1);
      const ordered = [...node.rules.filter((r) => r.kind !== 'event'), ...node.rules.filter((r) => r.kind === 'event')];
      for (const child of ordered) {
        const m = child.kind === 'event' ? event(s, child, now, out) : evaluate(s, child, now, env, resolving);
        for (let i = 0; i < out.length; i++) out[i]! &= m[i]!;
        release(s, m);
      }
      return out;
    }
    case 'any': {
      const out = newMask(s, 0);
      for (const child of node.rules) {
        const m = evaluate(s, child, now, env, resolving);
        for (let i = 0; i < out.length; i++) out[i]! |= m[i]!;
        release(s, m);
      }
      return out;
    }
    case 'not': {
      const m = evaluate(s, node.rule, now, env, resolving);
      for (let i = 0; i < m.length; i++) m[i] = m[i]! ^ 1;
      return m;
    }
    case 'condition':
      return condition(s, node, now);
    case 'event':
      return event(s, node, now);
    case 'segment': {
      const target = env.segment(node.slug);
      // A cycle cannot be saved; should one reach us anyway, the re-entered reference is false (as in SQL).
      if (!target || resolving.has(node.slug)) return newMask(s, 0);
      if (target.type === 'static') return env.staticMembers(target.id).slice(0, s.size);
      resolving.add(node.slug);
      const m = evaluate(s, target.rule, now, env, resolving);
      resolving.delete(node.slug);
      return m;
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

/** A condition on a JSON column: decided per distinct value, looked up per row. */
function dictionary(s: ProfileSnapshot, codes: Int32Array | undefined, values: readonly AttrValue[] | undefined, node: ConditionNode, now: number): Mask {
  const out = newMask(s, 0);
  if (codes === undefined || values === undefined) return out.fill(evaluateCondition(node, undefined, now) ? 1 : 0);
  const table = new Uint8Array(values.length);
  for (let code = 0; code < values.length; code++) table[code] = evaluateCondition(node, values[code], now) ? 1 : 0;
  for (let i = 0; i < out.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/**
 * A condition on a numeric column (NaN: missing): `x` is the typed value as the reference sees it
 * (instants as epoch ms for `date` conditions). A condition of another type than the column's
 * reads the value as profileAttributes gives it (an ISO string for an instant).
 */
function numeric(s: ProfileSnapshot, column: Float64Array, kind: 'number' | 'date', node: ConditionNode, now: number): Mask {
  const out = newMask(s, 0);
  const n = s.size;
  if (node.op === 'exists' || node.op === 'notExists') {
    const present = node.op === 'exists' ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = Number.isNaN(column[i]!) ? 1 - present : present;
    return out;
  }
  if (node.attrType !== kind) {
    for (let i = 0; i < n; i++) {
      const x = column[i]!;
      const value = Number.isNaN(x) ? undefined : kind === 'date' ? new Date(x).toISOString() : x;
      out[i] = evaluateCondition(node, value, now) ? 1 : 0;
    }
    return out;
  }
  // An instant outside years 1-9999 has no ISO form the reference reads as a date.
  const [first, last] = kind === 'date' ? [FIRST_INSTANT, LAST_INSTANT] : [-Number.MAX_VALUE, Number.MAX_VALUE];
  const bounds = intervalOf(node, now);
  if (bounds !== undefined) {
    // The same comparisons as the reference, as one closed interval (NaN, missing, is in none).
    const lo = Math.max(bounds[0], first);
    const hi = Math.min(bounds[1], last);
    for (let i = 0; i < n; i++) {
      const x = column[i]!;
      out[i] = x >= lo && x <= hi ? 1 : 0;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const x = column[i]!;
    out[i] = x >= first && x <= last && evaluateTypedCondition(node, x, now) ? 1 : 0;
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(8));
/** The next double above (`+1`) or below (`-1`) a finite one: `x > a` is `x >= next(a, 1)` exactly. */
function next(a: number, direction: 1 | -1): number {
  if (a === 0) return direction * Number.MIN_VALUE;
  scratch.setFloat64(0, a);
  const bits = scratch.getBigInt64(0);
  scratch.setBigInt64(0, bits + (a > 0 === (direction === 1) ? 1n : -1n));
  return scratch.getFloat64(0);
}

/**
 * The closed interval of finite numbers `x` for which the reference's comparison holds (see
 * evaluateTypedCondition), or undefined for the operators evaluated per row.
 */
function intervalOf(node: ConditionNode, now: number): [number, number] | undefined {
  const v = node.value;
  const scalar = v.kind === 'scalar' ? v.value : undefined;
  const none: [number, number] = [Infinity, -Infinity];
  switch (node.op) {
    case 'eq':
      return typeof scalar === 'number' ? [scalar, scalar] : none;
    case 'gt':
      return typeof scalar === 'number' ? [next(scalar, 1), Infinity] : none;
    case 'gte':
      return typeof scalar === 'number' ? [scalar, Infinity] : none;
    case 'lt':
      return typeof scalar === 'number' ? [-Infinity, next(scalar, -1)] : none;
    case 'lte':
      return typeof scalar === 'number' ? [-Infinity, scalar] : none;
    case 'between':
      return v.kind === 'range' ? [v.low, v.high] : none;
    case 'inLastDays':
      return v.kind === 'days' ? [now - v.days * DAY_MS, now] : none;
    case 'notInLastDays':
      return v.kind === 'days' ? [-Infinity, next(now - v.days * DAY_MS, -1)] : none;
    default:
      return undefined;
  }
}

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function derived(s: ProfileSnapshot, node: ConditionNode, now: number, value: (slot: number) => number | undefined): Mask {
  const column = new Float64Array(s.size);
  for (let i = 0; i < s.size; i++) column[i] = value(i) ?? Number.NaN;
  return numeric(s, column, 'number', node, now);
}

function condition(s: ProfileSnapshot, node: ConditionNode, now: number): Mask {
  const path = node.attr;
  if (path.startsWith(TRAITS_PREFIX)) {
    const column = s.traits.get(path.slice(TRAITS_PREFIX.length));
    return dictionary(s, column?.codes, column?.values, node, now);
  }
  const geo = s.geo.get(path);
  if (geo !== undefined) return dictionary(s, geo.codes, geo.values, node, now);
  switch (path) {
    case 'purchases.count':
      return numeric(s, s.purchaseCount, 'number', node, now);
    case 'purchases.total':
      return numeric(s, s.purchaseTotal, 'number', node, now);
    case 'purchases.first':
      return numeric(s, s.firstPurchaseAt, 'date', node, now);
    case 'purchases.last':
      return numeric(s, s.lastPurchaseAt, 'date', node, now);
    case 'purchases.avgIntervalDays':
      return numeric(s, s.avgIntervalDays, 'number', node, now);
    case 'profile.createdAt':
      return numeric(s, s.createdAt, 'date', node, now);
    case 'purchases.daysSinceLast':
      return derived(s, node, now, (i) => daysSinceLastPurchase(nullable(s.lastPurchaseAt[i]!), now));
    case 'purchases.overdueRatio':
      return derived(s, node, now, (i) => {
        const days = daysSinceLastPurchase(nullable(s.lastPurchaseAt[i]!), now);
        const avg = s.avgIntervalDays[i]!;
        return days !== undefined && !Number.isNaN(avg) && avg > 0 ? days / avg : undefined;
      });
    case 'reachable.email':
    case 'reachable.phone': {
      const column = path === 'reachable.email' ? s.reachableEmail : s.reachablePhone;
      const table = [evaluateCondition(node, false, now) ? 1 : 0, evaluateCondition(node, true, now) ? 1 : 0];
      const out = newMask(s, 0);
      for (let i = 0; i < out.length; i++) out[i] = table[column[i]!]!;
      return out;
    }
    default:
      // Edge attributes (geo, device, ...) have no value on a stored profile.
      return newMask(s, evaluateCondition(node, undefined, now) ? 1 : 0);
  }
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** Below this share of candidate profiles, an event count reads only their events (grouped by slot). */
const FEW = 1 / 8;

/**
 * Counts per slot of the events the node counts, then the node's bounds. With `candidates`, the
 * answer is only needed where a candidate is 1 (the caller ANDs it): when they are few, only their
 * events are read.
 */
function event(s: ProfileSnapshot, node: EventNode, now: number, candidates?: Mask): Mask {
  const out = newMask(s, 0);
  const { min, max } = node;
  if (min === 0 && max === null) return out.fill(1);
  const counts = zeroCounts(s);
  const table = s.events.get(node.event);
  if (table !== undefined) {
    // Per `where` condition, a verdict per distinct property value.
    const filters = node.where.map((c) => {
      const column = table.props.get(c.attr);
      if (column === undefined) return { codes: undefined, ok: evaluateCondition(c, undefined, now) };
      return { codes: column.codes, verdict: column.table((v) => evaluateCondition(c, v, now)) };
    });
    if (filters.some((f) => f.codes === undefined && f.ok === false)) return min === 0 ? out.fill(1) : out;
    const checks = filters.filter((f): f is { codes: Int32Array; verdict: Uint8Array } => f.codes !== undefined);
    const windowed = node.inLastDays !== null;
    const from = windowed ? now - node.inLastDays! * DAY_MS : 0;
    const { slot, at } = table;
    const pass = (r: number): boolean => {
      if (windowed) {
        const t = at[r]!;
        if (!(t >= from && t <= now)) return false;
      }
      for (const check of checks) if (check.verdict[check.codes[r]!] === 0) return false;
      return true;
    };
    let few = 0;
    if (candidates !== undefined) for (let i = 0; i < s.size; i++) few += candidates[i]!;
    if (candidates !== undefined && few < s.size * FEW) {
      table.groupBySlot(s.size);
      const { bySlot, byRow } = table;
      const grouped = Math.min(bySlot.length - 1, s.size);
      const since = windowed ? from : -Infinity;
      const to = windowed ? now : Infinity;
      // `pass` inlined: this loop runs on every live count of a selective rule.
      for (let i = 0; i < grouped; i++) {
        if (candidates[i] === 0) continue;
        let c = 0;
        rows: for (let k = bySlot[i]!; k < bySlot[i + 1]!; k++) {
          const r = byRow[k]!;
          const t = at[r]!;
          if (!(t >= since && t <= to)) continue;
          for (let j = 0; j < checks.length; j++) if (checks[j]!.verdict[checks[j]!.codes[r]!] === 0) continue rows;
          c++;
        }
        counts[i] = c;
      }
      for (let r = table.grouped; r < table.n; r++) if (candidates[slot[r]!] === 1 && pass(r)) counts[slot[r]!]!++;
    } else if (checks.length === 0) {
      const to = windowed ? now : Infinity;
      const since = windowed ? from : -Infinity;
      for (let r = 0; r < table.n; r++) {
        const t = at[r]!;
        if (t >= since && t <= to) counts[slot[r]!]!++;
      }
    } else outer: for (let r = 0; r < table.n; r++) {
      if (windowed) {
        const t = at[r]!;
        if (!(t >= from && t <= now)) continue;
      }
      for (const check of checks) if (check.verdict[check.codes[r]!] === 0) continue outer;
      counts[slot[r]!]!++;
    }
  }
  for (let i = 0; i < out.length; i++) {
    const c = counts[i]!;
    out[i] = c >= min && (max === null || c <= max) ? 1 : 0;
  }
  return out;
}
