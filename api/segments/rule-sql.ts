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
import { profileAttributeSql, type AttrSql } from './rule-sql-attributes.js';
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
  /** The instant of this evaluation, epoch milliseconds. */
  now: number;
  /** A published segment of the workspace by slug; undefined when archived, unpublished or unknown. */
  segment(slug: string): ReferencedSegment | undefined;
}

const e = alias(events, 'e');

const TRUE = sql`true`;
const FALSE = sql`false`;

/**
 * Compiles `rule` to a boolean SQL expression over the `profiles` row in scope. Never NULL.
 * @example db.select({ id: profiles.id }).from(profiles).where(and(eq(profiles.workspaceId, ws), compileRuleSql(rule, env)))
 */
export function compileRuleSql(rule: RuleNode, env: RuleSqlEnv): SQL {
  return compileNode(rule, env, new Set());
}

function compileNode(node: RuleNode, env: RuleSqlEnv, resolving: Set<string>): SQL {
  switch (node.kind) {
    case 'all':
      return node.rules.length === 0 ? TRUE : sql`(${sql.join(node.rules.map((r) => compileNode(r, env, resolving)), sql` and `)})`;
    case 'any':
      return node.rules.length === 0 ? FALSE : sql`(${sql.join(node.rules.map((r) => compileNode(r, env, resolving)), sql` or `)})`;
    case 'not':
      return sql`(not ${compileNode(node.rule, env, resolving)})`;
    case 'condition':
      return compileCondition(node, profileAttributeSql(node.attr, env.now), env.now);
    case 'event':
      return compileEvent(node, env.now);
    case 'segment':
      return compileReference(node.slug, env, resolving);
    default: {
      const never: never = node;
      return never;
    }
  }
}

function compileReference(slug: string, env: RuleSqlEnv, resolving: Set<string>): SQL {
  const target = env.segment(slug);
  // A cycle cannot be saved; should one reach us anyway, the re-entered reference is false.
  if (!target || resolving.has(slug)) return FALSE;
  if (target.type === 'static') {
    return sql`exists (select 1 from ${segmentMembers} where ${segmentMembers.segmentId} = ${target.id} and ${segmentMembers.profileId} = ${profiles.id})`;
  }
  resolving.add(slug);
  const inner = compileNode(target.rule, env, resolving);
  resolving.delete(slug);
  return inner;
}

function compileEvent(node: EventNode, now: number): SQL {
  const filters: SQL[] = [sql`${e.profileId} = ${profiles.id}`, sql`${e.name} = ${node.event}::text`];
  if (node.inLastDays !== null) {
    // Instants are compared at millisecond precision, as evaluators in JavaScript see them.
    filters.push(sql`${e.occurredAt} >= ${isoParam(now - node.inLastDays * DAY_MS)}::timestamptz`);
    filters.push(sql`${e.occurredAt} < ${isoParam(now + 1)}::timestamptz`);
  }
  for (const condition of node.where) {
    const value = sql`(${e.properties} -> ${condition.attr}::text)`;
    filters.push(compileCondition(condition, { kind: 'json', expr: value }, now));
  }
  const where = sql.join(filters, sql` and `);
  if (node.max === null && node.min <= 1) {
    const found = sql`exists (select 1 from ${events} as "e" where ${where})`;
    return node.min === 0 ? TRUE : found;
  }
  const count = sql`(select count(*) from ${events} as "e" where ${where})`;
  return node.max === null ? sql`(${count} >= ${node.min})` : sql`(${count} between ${node.min} and ${node.max})`;
}

function isoParam(ms: number): string {
  return new Date(ms).toISOString();
}

/** Text, number, boolean and date views of a jsonb value: NULL unless it has that JSON type. */
const asText = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'string' then ${v} #>> '{}' end)`;
const asNumber = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'number' then (${v})::float8 end)`;
const asBoolean = (v: SQL) => sql`(case when jsonb_typeof(${v}) = 'boolean' then (${v})::boolean end)`;
const asDate = (v: SQL) => sql`ae_date_ms(${asText(v)})`;
/** A jsonb array whose elements are all strings, else NULL. */
const asStringList = (v: SQL) =>
  sql`(case when jsonb_typeof(${v}) = 'array' and not exists (select 1 from jsonb_array_elements(${v}) as el(x) where jsonb_typeof(el.x) <> 'string') then ${v} end)`;

/** The typed SQL view of an attribute for a condition of `attrType`. */
function typedView(attr: AttrSql, attrType: ConditionNode['attrType']): SQL | null {
  if (attr.kind === 'missing') return null;
  if (attr.kind !== 'json') return attr.expr;
  switch (attrType) {
    case 'string':
      return asText(attr.expr);
    case 'number':
      return asNumber(attr.expr);
    case 'boolean':
      return asBoolean(attr.expr);
    case 'date':
      return asDate(attr.expr);
    case 'stringList':
      return asStringList(attr.expr);
  }
}

function presence(attr: AttrSql): SQL {
  switch (attr.kind) {
    case 'missing':
      return FALSE;
    case 'json':
      return sql`(${attr.expr} is not null and jsonb_typeof(${attr.expr}) <> 'null')`;
    default:
      return sql`(${attr.expr} is not null)`;
  }
}

/** Compiles one condition; the result is wrapped in coalesce so that NULL never leaks. */
export function compileCondition(node: ConditionNode, attr: AttrSql, now: number): SQL {
  if (node.op === 'exists') return presence(attr);
  if (node.op === 'notExists') return sql`(not ${presence(attr)})`;
  const x = typedView(attr, node.attrType);
  if (x === null) return FALSE;
  const predicate = comparison(node, x, now);
  return predicate === null ? FALSE : sql`coalesce(${predicate}, false)`;
}

function scalarParam(value: string | number | boolean): SQL {
  if (typeof value === 'boolean') return sql`${value}::boolean`;
  if (typeof value === 'number') return sql`${value}::float8`;
  return sql`${value}::text`;
}

function listParam(node: ConditionNode, values: Array<string | number>): SQL {
  const json = JSON.stringify(values);
  return node.attrType === 'number'
    ? sql`array(select (j.x)::float8 from jsonb_array_elements(${json}::jsonb) as j(x))`
    : sql`array(select jsonb_array_elements_text(${json}::jsonb))`;
}

function comparison(node: ConditionNode, x: SQL, now: number): SQL | null {
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
      return op === 'hasAny' ? any : sql`(${x} is not null and not ${any})`;
    }
    case 'hasAll':
      return value.kind === 'list' ? sql`(${x} @> ${JSON.stringify(value.values)}::jsonb)` : null;
    case 'inLastDays':
      return value.kind === 'days' ? sql`(${x} >= ${now - value.days * DAY_MS}::float8 and ${x} <= ${now}::float8)` : null;
    case 'notInLastDays':
      return value.kind === 'days' ? sql`(${x} < ${now - value.days * DAY_MS}::float8)` : null;
    case 'exists':
    case 'notExists':
      return null;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/**
 * Translates a glob of the rule language to an anchored PostgreSQL regular expression:
 * `**` -> `.*`, `*` -> `[^/]*`, `?` -> `[^/]`, every other character literal.
 * @example globToPostgresRegex('/blog/*.html'); // '^\/blog\/[^/]*\.html$'
 */
export function globToPostgresRegex(glob: string): string {
  let out = '^';
  const chars = Array.from(glob);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      if (chars[i + 1] === '*') {
        out += '.*';
        while (chars[i + 1] === '*') i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (/^[A-Za-z0-9]$/.test(c) || c.codePointAt(0)! > 127) out += c;
    else out += `\\${c}`;
  }
  return `${out}$`;
}
