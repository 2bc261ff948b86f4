/**
 * When can a profile's memberships change with no write at all? Only through the time-dependent
 * parts of the published rules ("atoms"), whose truth moves with `now`:
 * - an event count with `inLastDays`: an event enters its window at its instant and leaves it one
 *   millisecond after `instant + days`; a `where` condition with `inLastDays` / `notInLastDays` on an
 *   event property moves the same way with the property's date;
 * - `inLastDays` / `notInLastDays` on a date attribute (purchases.first/last, profile.createdAt,
 *   date traits): it enters at the date, leaves (or, for notInLastDays, starts to hold) one
 *   millisecond after `date + days`;
 * - any ordering or equality on purchases.daysSinceLast (whole days since the last purchase, which
 *   grows by one at `last + k days`): it can only flip where that count reaches one of the
 *   condition's bounds (`> 30` at 31 days...), computed exactly;
 * - the same on purchases.overdueRatio (daysSinceLast / avgIntervalDays, float8): the count at which
 *   it crosses a bound `v` is `v * avg` up to float rounding, so the candidate days are the few
 *   whole days around it (up to two days early: an extra evaluation, never a late one).
 * This module collects the atoms of a definition set (references to dynamic segments followed, as
 * the compiler inlines them) and builds SQL for the next instant, after `now`, at which any of them
 * can change: per profile inside the per-profile evaluation (profile-evaluation.ts), and set-based
 * over a workspace when a segment is published (due-store.ts). Instants are epoch milliseconds in
 * float8, as the evaluator computes them; evaluations run at whole milliseconds (Date.now()).
 * Everything is an upper bound on "when can it first change": early is safe, late would be a bug.
 */
import { sql, type SQL } from 'drizzle-orm';
import { alias, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { events, profiles } from '../../drizzle/index.js';
import { DAY_MS, type ConditionNode, type EventNode, type RuleNode } from '../../schema/rule.js';
import type { PublishedDefinitions } from './definitions.js';
import { profileAttributeSql } from './rule-sql-attributes.js';
import { eventFilterSql, typedView } from './rule-sql.js';

const e = alias(events, 'e');

/** The last instant a due time may be (9999-12-31T23:59:59.999Z): later ones are stored as it. */
const LATEST_MS = 253402300799999;

/** Profile attributes derived from `now`: every comparison on them moves with time. */
const DERIVED = new Set(['purchases.daysSinceLast', 'purchases.overdueRatio']);

/** Whether a condition's truth can change with `now` alone (`onProfile`: a profile attribute, not an event property). */
export function isTimeCondition(node: ConditionNode, onProfile: boolean): boolean {
  if (node.op === 'inLastDays' || node.op === 'notInLastDays') return node.value.kind === 'days';
  return onProfile && DERIVED.has(node.attr) && node.op !== 'exists' && node.op !== 'notExists';
}

/** Whether an event count can change with `now` alone (a window, or a time condition in its `where`). */
export function isTimeEvent(node: EventNode): boolean {
  if (node.min === 0 && node.max === null) return false; // always true: compiled to `true`
  return node.inLastDays !== null || node.where.some((c) => isTimeCondition(c, false));
}

export interface TimeAtoms {
  conditions: ConditionNode[];
  events: EventNode[];
}

/**
 * The time-dependent conditions and event counts of `rules`, each once (event counts that differ
 * only in min / max are one: their changes are the same events' changes).
 */
export function timeAtoms(rules: readonly RuleNode[], definitions: PublishedDefinitions): TimeAtoms {
  const conditions = new Map<string, ConditionNode>();
  const counted = new Map<string, EventNode>();
  const walk = (node: RuleNode, resolving: Set<string>): void => {
    switch (node.kind) {
      case 'all':
      case 'any':
        for (const r of node.rules) walk(r, resolving);
        return;
      case 'not':
        walk(node.rule, resolving);
        return;
      case 'condition':
        if (isTimeCondition(node, true)) conditions.set(JSON.stringify(node), node);
        return;
      case 'event':
        if (isTimeEvent(node)) counted.set(JSON.stringify([node.event, node.inLastDays, node.where]), node);
        return;
      case 'segment': {
        // As compileReference: a dynamic segment's rule is inlined; a static list never moves.
        const target = definitions.bySlug.get(node.slug);
        if (!target || target.type !== 'dynamic' || resolving.has(node.slug)) return;
        resolving.add(node.slug);
        walk(target.rule, resolving);
        resolving.delete(node.slug);
        return;
      }
    }
  };
  for (const rule of rules) walk(rule, new Set());
  return { conditions: [...conditions.values()], events: [...counted.values()] };
}

/** The smallest of some float8 expressions, NULLs ignored (`least` does); NULL when there are none. */
export function earliest(parts: readonly SQL[]): SQL {
  if (parts.length === 0) return sql`null::float8`;
  return parts.length === 1 ? parts[0]! : sql`least(${sql.join([...parts], sql`, `)})`;
}

/** `x` when it lies after `now`, else NULL (NULL stays NULL). `x` is written once: it is evaluated once per row. */
const after = (x: SQL, now: SQL): SQL => sql`nullif(greatest(${x}, ${now}), ${now})`;

/**
 * A due instant (float8 ms, NULL: none) as timestamptz(3): rounded down (early, never late), and
 * capped at the end of year 9999 (a later one, or an infinite one, is stored as that: early, harmless).
 */
export const dueInstant = (ms: SQL): SQL => sql`to_timestamp(floor(case when ${ms} > ${LATEST_MS}::float8 then ${LATEST_MS}::float8 else ${ms} end) / 1000)`;

/**
 * Epoch ms of a timestamptz(3) in float8 arithmetic (date_part is float8; rounding restores the
 * whole milliseconds the column holds): several times cheaper than the numeric `extract` of epochMs,
 * and this is evaluated for every candidate of every profile.
 */
export const instantMs = (column: SQL | AnyPgColumn): SQL => sql`round(date_part('epoch', ${column}) * 1000)`;

/**
 * The changes of `inLastDays` / `notInLastDays` on a value `x` (ms): `x >= now - days && x <= now`
 * holds for whole-ms `now` in [ceil(x), floor(x + days) ]; `x < now - days` from floor(x + days) + 1.
 */
function windowChanges(x: SQL, op: 'inLastDays' | 'notInLastDays', days: number, now: SQL): SQL[] {
  const leave = after(sql`(floor(${x} + ${days * DAY_MS}::float8) + 1)`, now);
  return op === 'notInLastDays' ? [leave] : [after(sql`ceil(${x})`, now), leave];
}

const numbers = (node: ConditionNode): number[] | 'any' => {
  const v = node.value;
  if (v.kind === 'scalar') return typeof v.value === 'number' ? [v.value] : [];
  if (v.kind === 'range') return [v.low, v.high];
  if (v.kind === 'list') return v.values.filter((x): x is number => typeof x === 'number');
  return 'any';
};

/**
 * The whole day counts `k` at which a condition on a whole-number attribute can start to differ
 * from its truth at `k - 1`; 'any' when not known (every day then).
 */
function dayBreakpoints(node: ConditionNode): number[] | 'any' {
  const values = numbers(node);
  if (values === 'any') return 'any';
  const [v] = values;
  switch (node.op) {
    case 'gt':
    case 'lte':
      return v === undefined ? [] : [Math.floor(v) + 1];
    case 'gte':
    case 'lt':
      return v === undefined ? [] : [Math.ceil(v)];
    case 'between':
      return values.length === 2 ? [Math.ceil(values[0]!), Math.floor(values[1]!) + 1] : [];
    case 'eq':
    case 'neq':
    case 'in':
    case 'notIn':
      return values.filter((x) => Number.isInteger(x)).flatMap((x) => [x, x + 1]);
    default:
      return 'any';
  }
}

/** Epoch ms of the last purchase, and whole days since it at `now`. */
const lastMs = instantMs(profiles.lastPurchaseAt);

/**
 * A ratio threshold PostgreSQL can multiply by any average interval without an error: float8
 * multiplication raises "value out of range" on underflow (5e-324 x 0.5) and overflow. A tiny
 * threshold becomes 0 and a huge one 1e7 (no average interval of the years 1-9999 reaches a day
 * beyond that): both move the candidate day earlier, never later, so at worst an extra evaluation.
 */
function saneRatio(v: number): number {
  if (Math.abs(v) < 1e-200) return 0;
  return Math.max(-1e7, Math.min(1e7, v));
}

/** The next change of a time-dependent condition on the profile row in scope; null when it has none to offer. */
export function conditionChange(node: ConditionNode, now: SQL): SQL | null {
  if (node.op === 'inLastDays' || node.op === 'notInLastDays') {
    if (node.value.kind !== 'days') return null;
    const attr = profileAttributeSql(node.attr, now);
    const view = attr.kind === 'instant' ? { x: instantMs(attr.expr) } : typedView(attr, node.attrType);
    return view === null ? null : earliest(windowChanges(view.x, node.op, node.value.days, now));
  }
  // daysSinceLastSql's value, from the float8 instant (the same whole ms: the same whole days).
  const k = sql`floor((${now} - ${lastMs}) / ${DAY_MS}::float8)`;
  const nextDay = after(sql`(${lastMs} + (${k} + 1) * ${DAY_MS}::float8)`, now);
  if (node.attr === 'purchases.daysSinceLast') {
    const points = dayBreakpoints(node);
    if (points === 'any') return nextDay;
    const at = points.filter((b) => Number.isFinite(b * DAY_MS)).map((b) => after(sql`(case when ${b}::float8 > ${k} then ${lastMs} + ${b * DAY_MS}::float8 end)`, now));
    return at.length === 0 ? null : earliest(at);
  }
  if (node.attr === 'purchases.overdueRatio') {
    // ratio = k / avg (avg > 0): it crosses v where k is about v * avg. Candidate days: the first
    // day after today within [floor(v * avg) - 1, floor(v * avg) + 2], which float rounding cannot leave.
    const avg = sql`${profiles.avgIntervalDays}`;
    const values = numbers(node);
    const thresholds = values === 'any' || !['gt', 'gte', 'lt', 'lte', 'eq', 'neq', 'between', 'in', 'notIn'].includes(node.op) ? 'any' : values.filter(Number.isFinite).map(saneRatio);
    const at =
      thresholds === 'any'
        ? [nextDay]
        : thresholds.map((v) => {
            const m = sql`floor(${v}::float8 * ${avg})`;
            return after(sql`(case when ${m} + 2 > ${k} then ${lastMs} + greatest(${k} + 1, ${m} - 1) * ${DAY_MS}::float8 end)`, now);
          });
    return at.length === 0 ? null : sql`(case when ${avg} > 0 then ${earliest(at)} end)`;
  }
  return null;
}

/**
 * For an event count: which of the profile's events can move it (`filter`: its name and the
 * `where` conditions that do not depend on time; with a window, only events not yet out of it) and
 * the next change each brings (`change`). Over rows aliased "e" with name, properties and the
 * instant in ms (`occurredMs`).
 */
export function eventChange(node: EventNode, now: SQL, occurredMs: SQL): { filter: SQL; change: SQL } {
  const timeWhere = node.where.filter((c) => isTimeCondition(c, false));
  const fixed: EventNode = { ...node, inLastDays: null, where: node.where.filter((c) => !isTimeCondition(c, false)) };
  const filters = [eventFilterSql(fixed, now, occurredMs)];
  const changes: SQL[] = [];
  if (node.inLastDays !== null) {
    filters.push(sql`${occurredMs} + ${node.inLastDays * DAY_MS}::float8 >= ${now}`);
    changes.push(...windowChanges(occurredMs, 'inLastDays', node.inLastDays, now));
  }
  for (const c of timeWhere) {
    if (c.value.kind !== 'days' || (c.op !== 'inLastDays' && c.op !== 'notInLastDays')) continue;
    const view = typedView({ kind: 'json', expr: sql`(${e.properties} -> ${c.attr}::text)` }, c.attrType);
    if (view) changes.push(...windowChanges(view.x, c.op, c.value.days, now));
  }
  return { filter: sql.join(filters, sql` and `), change: earliest(changes) };
}

const INDEXED_INSTANTS: Record<string, AnyPgColumn> = {
  'purchases.last': profiles.lastPurchaseAt,
  'purchases.first': profiles.firstPurchaseAt,
  'profile.createdAt': profiles.createdAt,
};

/**
 * A condition on the profile row that every profile for which `conditionChange` offers an instant
 * satisfies, on an indexed column ((workspace_id, column) indexes), so that a set-based lowering
 * reads only those profiles; null when there is none (every profile must be read). Bounds are a few
 * milliseconds wider than needed: the candidate itself decides.
 */
export function changePrefilter(node: ConditionNode, now: number): SQL | null {
  const since = (column: AnyPgColumn, ms: number) => (Number.isFinite(ms) && ms > -8.6e15 && ms < LATEST_MS ? sql`${column} >= ${new Date(ms).toISOString()}::timestamptz` : null);
  if (node.op === 'inLastDays' || node.op === 'notInLastDays') {
    const column = INDEXED_INSTANTS[node.attr];
    // A candidate is the date itself or floor(date + days) + 1, later than now: the date is >= now - days - 1 ms.
    return column && node.value.kind === 'days' ? since(column, now - node.value.days * DAY_MS - 2) : null;
  }
  if (node.attr === 'purchases.daysSinceLast') {
    const points = dayBreakpoints(node);
    if (points === 'any' || points.length === 0) return null;
    // A candidate needs a breakpoint b > days since last = floor((now - last) / day): last > now - max(b) days.
    return since(profiles.lastPurchaseAt, now - Math.max(...points) * DAY_MS - 2);
  }
  return null;
}
