/**
 * The profile evaluator: compiles a validated rule (schema/rule.ts) to ONE SQL predicate over the
 * `profiles` table, with exactly the semantics of CONTRACT.md section 1 (and of schema/reference.ts):
 * two-valued logic, missing or wrongly typed attributes make a condition false (notExists aside),
 * strings compared code point by code point, globs anchored with `*` not crossing `/`.
 * Every user value is a bound parameter; the only text built here is fixed SQL and the regex that a
 * glob becomes, which is itself passed as a parameter.
 */
import { sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { epochMs, nowMs, profileAttributeSql, type AttrSql, type Now } from './rule-sql-attributes.js';
import { globToPostgresRegex } from './rule-sql-glob.js';
import { arrayLiteral, columnCondition, isoParam, scalarParam } from './rule-sql-columns.js';
import { events, segmentMembers, profiles } from '../../drizzle/index.js';
import type { ConditionNode, EventNode, RuleNode } from '../../schema/rule.js';
import { DAY_MS } from '../../schema/rule.js';

/** What a segment reference resolves to, for the segment's current published version. */
export interface ReferencedSegment {
  id: string;
  type: 'dynamic' | 'static';
  rule: RuleNode;
}

export interface RuleSqlEnv {
  /**
   * The instant of this evaluation: epoch milliseconds, or a float8 SQL expression of them (a bind
   * parameter). With an expression, every time bound is computed in SQL from it, so the text of the
   * compiled rule does not depend on the clock (a statement prepared once serves every `now`);
   * conditions on instant columns are then compared in milliseconds rather than on the column.
   */
  now: Now;
  /** A published segment of the workspace by slug; undefined when archived, unpublished or unknown. */
  segment(slug: string): ReferencedSegment | undefined;
  /**
   * How event counts are compiled where a set form is possible (directly under the top-level `all`):
   * - 'set' (default): as a semi-join over the events of the workspace, for a predicate in the WHERE
   *   clause of a query over many profiles (sizes, member lists, recomputes);
   * - 'correlated': always as a subquery per profile row, for a predicate in a SELECT list or a
   *   query over a few given profiles (re-evaluating changed profiles).
   */
  events?: 'set' | 'correlated';
  /**
   * When given, an event count is this expression (a bigint, never NULL) instead of a subquery: the
   * caller computes the count of events satisfying `eventFilterSql(node, now)` per profile once, for
   * all the segments that share it (see profileEvaluationSql). Takes precedence over `events`.
   */
  eventCount?: (node: EventNode) => SQL;
  /**
   * When given, the typed reading of a profile attribute that is an expression (a trait read from
   * JSON as text, number, boolean, date or string list; a derived value such as days since the last
   * purchase) is this expression instead: the caller computes `view` once per profile row for all
   * the conditions and segments that read it under the same `key` (see recompute.ts). The
   * expression must be NULL exactly when `view` is.
   */
  attributeView?: (key: string, view: SQL) => SQL;
}

const e = alias(events, 'e');

const TRUE = sql`true`;
const FALSE = sql`false`;

/**
 * Compiles `rule` to a boolean SQL expression over the `profiles` row in scope. Never NULL.
 * @example db.select({ id: profiles.id }).from(profiles).where(and(eq(profiles.workspaceId, ws), compileRuleSql(rule, env)))
 */
export function compileRuleSql(rule: RuleNode, env: RuleSqlEnv): SQL {
  return compileNode(rule, env, new Set(), env.events !== 'correlated');
}

/**
 * `top` is true for a node whose result is one of the conjuncts of the whole predicate (the root,
 * and the children of an `all` that is itself `top`): only there may an event count be a semi-join.
 */
function compileNode(node: RuleNode, env: RuleSqlEnv, resolving: Set<string>, top: boolean): SQL {
  switch (node.kind) {
    case 'all':
      return node.rules.length === 0 ? TRUE : sql`(${sql.join(node.rules.map((r) => compileNode(r, env, resolving, top)), sql` and `)})`;
    case 'any':
      return node.rules.length === 0 ? FALSE : sql`(${sql.join(node.rules.map((r) => compileNode(r, env, resolving, false)), sql` or `)})`;
    case 'not':
      return sql`(not ${compileNode(node.rule, env, resolving, false)})`;
    case 'condition': {
      const attr = profileAttributeSql(node.attr, env.now);
      return compileCondition(node, env.attributeView ? sharedView(node, attr, env.attributeView) : attr, env.now);
    }
    case 'event':
      return compileEvent(node, env, top);
    case 'segment':
      return compileReference(node.slug, env, resolving, top);
    default: {
      const never: never = node;
      return never;
    }
  }
}

/**
 * A condition's attribute read through `attributeView`: a JSON trait as its typed view (the same
 * CASE the condition would write, so comparing the shared value is comparing the view; presence
 * tests keep reading the JSON), a derived value as itself. Columns are left as they are (their
 * comparisons use their indexes and cost nothing to repeat).
 */
function sharedView(node: ConditionNode, attr: AttrSql, attributeView: NonNullable<RuleSqlEnv['attributeView']>): AttrSql {
  if (attr.kind === 'typed') return { kind: 'typed', expr: attributeView(JSON.stringify([node.attr]), attr.expr), nullable: attr.nullable };
  if (attr.kind !== 'json' || node.op === 'exists' || node.op === 'notExists') return attr;
  const view = typedView(attr, node.attrType);
  if (view === null) return attr;
  return { kind: 'typed', expr: attributeView(JSON.stringify([node.attr, node.attrType]), view.x), nullable: true };
}

function compileReference(slug: string, env: RuleSqlEnv, resolving: Set<string>, top: boolean): SQL {
  const target = env.segment(slug);
  // A cycle cannot be saved; should one reach us anyway, the re-entered reference is false.
  if (!target || resolving.has(slug)) return FALSE;
  if (target.type === 'static') {
    return sql`exists (select 1 from ${segmentMembers} where ${segmentMembers.segmentId} = ${target.id} and ${segmentMembers.profileId} = ${profiles.id})`;
  }
  resolving.add(slug);
  const inner = compileNode(target.rule, env, resolving, top);
  resolving.delete(slug);
  return inner;
}

/**
 * An event count. Where it is a conjunct of the whole predicate and needs at least one event with
 * no upper bound, it is a set: `exists` (which PostgreSQL turns into a semi-join) for one event,
 * `(workspace, id) in (... group by ... having count(*) >= min)` for more; "never" (`max` 0) is
 * `not exists` (an anti-join there). The workspace of the profile is carried into these, so that
 * the planner derives the workspace of the events from the outer query and can read them through
 * events (workspace_id, name, occurred_at, profile_id).
 * Elsewhere (under `not` / `any`, other bounds) a count per profile row that stops once the
 * answer is known (`limit`), computed once (the comparison is inside the subquery).
 */
function compileEvent(node: EventNode, env: RuleSqlEnv, top: boolean): SQL {
  const { min, max } = node;
  if (min === 0 && max === null) return TRUE;
  if (env.eventCount) {
    const count = env.eventCount(node);
    return max === null ? sql`(${count} >= ${min}::int8)` : sql`(${count} between ${min}::int8 and ${max}::int8)`;
  }
  const where = eventFilterSql(node, env.now);
  if (top && max === null && min >= 2) {
    return sql`((${profiles.workspaceId}, ${profiles.id}) in (select ${e.workspaceId}, ${e.profileId} from ${events} as "e" where ${where} group by ${e.workspaceId}, ${e.profileId} having count(*) >= ${min}))`;
  }
  const scope = top ? sql`${e.workspaceId} = ${profiles.workspaceId} and ` : sql``;
  const correlated = sql`${scope}${e.profileId} = ${profiles.id} and ${where}`;
  if (max === null && min === 1) return sql`exists (select 1 from ${events} as "e" where ${correlated})`;
  if (max === 0) return sql`(not exists (select 1 from ${events} as "e" where ${correlated}))`;
  // Counting stops after `max + 1` events (or `min` when unbounded): enough to decide.
  const enough = max === null ? min : max + 1;
  const counted = sql`(select 1 from ${events} as "e" where ${correlated} limit ${enough}) as c`;
  const test = max === null ? sql`count(*) >= ${min}` : sql`count(*) between ${min} and ${max}`;
  return sql`(select ${test} from ${counted})`;
}

/**
 * The events an event node counts, as a condition on the `events` row aliased "e": its name, its
 * window at `now` and its `where` conditions. When `now` is an SQL expression, the window is
 * compared in epoch milliseconds: `occurredMs` is the event's instant as such (by default computed
 * from "e"."occurred_at"; a caller counting many windows over the same rows computes it once).
 * @example sql`select count(*) filter (where ${eventFilterSql(node, now)}) from events as "e" where "e"."profile_id" = $1`
 */
export function eventFilterSql(node: EventNode, now: Now, occurredMs: SQL = epochMs(e.occurredAt)): SQL {
  const filters: SQL[] = [sql`${e.name} = ${node.event}::text`];
  if (node.inLastDays !== null && typeof now === 'number') {
    // Instants are compared at millisecond precision, as evaluators in JavaScript see them.
    filters.push(sql`${e.occurredAt} >= ${isoParam(now - node.inLastDays * DAY_MS)}::timestamptz`);
    filters.push(sql`${e.occurredAt} < ${isoParam(now + 1)}::timestamptz`);
  } else if (node.inLastDays !== null) {
    // The same arithmetic as the reference evaluator, in float8: `now - days * DAY_MS <= t <= now`.
    filters.push(sql`${occurredMs} >= (${now} - ${node.inLastDays * DAY_MS}::float8)`);
    filters.push(sql`${occurredMs} <= ${now}`);
  }
  for (const condition of node.where) {
    const value = sql`(${e.properties} -> ${condition.attr}::text)`;
    filters.push(compileCondition(condition, { kind: 'json', expr: value }, now));
  }
  return sql.join(filters, sql` and `);
}


/** Text, number, boolean and date views of a jsonb value: NULL unless it has that JSON type. */
const asText = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'string' then ${v} #>> '{}' end)`;
const asNumber = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'number' then (${v})::float8 end)`;
const asBoolean = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'boolean' then (${v})::boolean end)`;
const asDate = (v: SQL) => sql`ae_date_ms(${asText(v)})`;
/**
 * A jsonb array whose elements are all strings, else NULL. The element check is a jsonpath (one
 * function call), not a subquery over jsonb_array_elements (a subplan per row, 3x slower); strict
 * mode is safe as it only runs on an array (CASE evaluates its condition first).
 */
const asStringList = (v: SQL) =>
  sql`(case when jsonb_typeof(${v}) = 'array' then (case when not jsonb_path_exists(${v}, 'strict $[*] ? (@.type() != "string")') then ${v} end) end)`;

/** The typed SQL view of an attribute for a condition of `attrType`, and whether it can be NULL. */
export function typedView(attr: AttrSql, attrType: ConditionNode['attrType']): { x: SQL; nullable: boolean } | null {
  switch (attr.kind) {
    case 'missing':
      return null;
    case 'json': {
      const views = { string: asText, number: asNumber, boolean: asBoolean, date: asDate, stringList: asStringList };
      return { x: views[attrType](attr.expr), nullable: true };
    }
    case 'integer':
      return { x: sql`${attr.expr}::float8`, nullable: attr.nullable };
    case 'instant':
      return { x: epochMs(attr.expr), nullable: attr.nullable };
    case 'float':
    case 'typed':
      return { x: attr.expr, nullable: attr.nullable };
  }
}

function presence(attr: AttrSql): SQL {
  switch (attr.kind) {
    case 'missing':
      return FALSE;
    case 'json':
      return sql`(${attr.expr} is not null and jsonb_typeof(${attr.expr}) <> 'null')`;
    default:
      return attr.nullable ? sql`(${attr.expr} is not null)` : TRUE;
  }
}

/**
 * Compiles one condition, never NULL: a comparison on an operand that can be NULL is guarded as
 * `(x is not null and x op v)`, one on a NOT NULL column is the plain comparison. Integer and
 * instant columns are compared on the column itself (index-friendly; see `columnCondition`).
 */
export function compileCondition(node: ConditionNode, attr: AttrSql, now: Now): SQL {
  if (node.op === 'exists') return presence(attr);
  if (node.op === 'notExists') return sql`(not ${presence(attr)})`;
  if (attr.kind === 'integer' || attr.kind === 'instant') {
    const direct = columnCondition(node, attr, now);
    if (direct !== undefined) return direct;
  }
  const view = typedView(attr, node.attrType);
  if (view === null) return FALSE;
  const predicate = comparison(node, view.x, now);
  if (predicate === null) return FALSE;
  if (!view.nullable) return predicate;
  // A JSON view is an expression (a CASE over the jsonb, a date parse) evaluated each time it is
  // written: `coalesce` (every comparison is NULL on a NULL operand) evaluates it once less. A
  // column keeps the `is not null` guard, which its index can serve.
  return attr.kind === 'json' ? sql`coalesce(${predicate}, false)` : sql`(${view.x} is not null and ${predicate})`;
}

function listParam(node: ConditionNode, values: Array<string | number>): SQL {
  return node.attrType === 'number' ? sql`${arrayLiteral(values)}::float8[]` : sql`${arrayLiteral(values)}::text[]`;
}

function comparison(node: ConditionNode, x: SQL, now: Now): SQL | null {
  const { op, value } = node;
  switch (op) {
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (value.kind !== 'scalar') return null;
      const symbol = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
      return sql`(${x} ${sql.raw(symbol)} ${scalarParam(value.value)})`;
    }
    case 'in':
    case 'notIn': {
      if (value.kind !== 'list') return null;
      const member = sql`(${x} = any(${listParam(node, value.values)}))`;
      return op === 'in' ? member : sql`(not ${member})`;
    }
    case 'between':
      return value.kind === 'range' ? sql`(${x} between ${value.low}::float8 and ${value.high}::float8)` : null;
    case 'contains':
      return value.kind === 'scalar' ? sql`(strpos(${x}, ${String(value.value)}::text) > 0)` : null;
    case 'startsWith':
      return value.kind === 'scalar' ? sql`starts_with(${x}, ${String(value.value)}::text)` : null;
    case 'endsWith':
      return value.kind === 'scalar'
        ? sql`(right(${x}, char_length(${String(value.value)}::text)) = ${String(value.value)}::text)`
        : null;
    case 'matches':
      return value.kind === 'scalar' ? sql`(${x} ~ ${globToPostgresRegex(String(value.value))}::text)` : null;
    case 'hasAny':
    case 'hasNone': {
      if (value.kind !== 'list') return null;
      const any = sql`(${x} ?| ${listParam(node, value.values)})`;
      return op === 'hasAny' ? any : sql`(not ${any})`; // NULL on a missing list: compileCondition guards it
    }
    case 'hasAll':
      return value.kind === 'list' ? sql`(${x} @> ${JSON.stringify(value.values)}::jsonb)` : null;
    case 'inLastDays':
      if (value.kind !== 'days') return null;
      return typeof now === 'number'
        ? sql`(${x} >= ${now - value.days * DAY_MS}::float8 and ${x} <= ${now}::float8)`
        : sql`(${x} >= (${now} - ${value.days * DAY_MS}::float8) and ${x} <= ${nowMs(now)})`;
    case 'notInLastDays':
      if (value.kind !== 'days') return null;
      return typeof now === 'number' ? sql`(${x} < ${now - value.days * DAY_MS}::float8)` : sql`(${x} < (${now} - ${value.days * DAY_MS}::float8))`;
    case 'exists':
    case 'notExists':
      return null;
    default: {
      const never: never = op;
      return never;
    }
  }
}
