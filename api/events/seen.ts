/**
 * The catalogue of what a workspace has tracked (drizzle/seen.ts): event names, their property
 * names and the UTM values of page views, with counts and when they were last seen. The writers of
 * events add each batch in one statement (summarised in memory first, never a statement per event);
 * erasure takes a person's events off again, so a name or value only they sent disappears.
 * Rows are written in key order, so concurrent batches lock shared rows in one order (no deadlock).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { PAGE_VIEW_EVENT } from '../../schema/attributes.js';

/** Longer property names and values are not catalogued (no rule can name them: 64 / 512 characters). */
export const MAX_SEEN_TEXT = 256;
/** Distinct values kept per attribute and workspace: page URLs come from anyone, the table must stay small. */
export const SEEN_VALUES_PER_ATTRIBUTE = 500;

/** The UTM parameters of a page URL and the attributes they become (schema/context.ts reads them the same way). */
const UTM_ATTRIBUTES = [
  ['utm_source', 'utm.source'],
  ['utm_medium', 'utm.medium'],
  ['utm_campaign', 'utm.campaign'],
  ['utm_term', 'utm.term'],
  ['utm_content', 'utm.content'],
] as const;

/** The attributes whose seen values are catalogued. */
export const SEEN_VALUE_ATTRIBUTES: readonly string[] = UTM_ATTRIBUTES.map(([, attr]) => attr);

interface Tally {
  count: number;
  last: number;
}

/** A batch summarised: counts and latest instants by event, by (event, property) and by (attribute, value). */
export interface SeenSummary {
  events: Map<string, Tally>;
  properties: Map<string, Map<string, Tally>>;
  values: Map<string, Map<string, Tally>>;
}

function tally<K>(map: Map<K, Tally>, key: K, at: number, n = 1): void {
  const t = map.get(key);
  if (t) {
    t.count += n;
    if (at > t.last) t.last = at;
  } else {
    map.set(key, { count: n, last: at });
  }
}

function inner<K, V>(map: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let m = map.get(key);
  if (!m) map.set(key, (m = new Map()));
  return m;
}

/** Adds the UTM values of a page URL (`n` page views of it) to the summary. */
export function tallyPageUrl(summary: SeenSummary, url: unknown, at: number, n = 1): void {
  if (typeof url !== 'string' || !url.includes('utm_')) return;
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return;
  }
  for (const [param, attr] of UTM_ATTRIBUTES) {
    const value = query.get(param);
    if (value && value.length <= MAX_SEEN_TEXT) tally(inner(summary.values, attr), value, at, n);
  }
}

export function emptySummary(): SeenSummary {
  return { events: new Map(), properties: new Map(), values: new Map() };
}

/** Summarises stored events (only those actually inserted: a replayed id is not seen twice). */
export function summariseSeen(events: ReadonlyArray<{ name: string; properties: Record<string, unknown>; occurredAt: Date }>): SeenSummary {
  const summary = emptySummary();
  for (const e of events) {
    const at = e.occurredAt.getTime();
    tally(summary.events, e.name, at);
    const properties = inner(summary.properties, e.name);
    for (const key of Object.keys(e.properties)) if (key.length <= MAX_SEEN_TEXT) tally(properties, key, at);
    if (e.name === PAGE_VIEW_EVENT) tallyPageUrl(summary, e.properties.url, at);
  }
  return summary;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Column arrays of [outer, inner, count, last] rows, in key order. */
function columns(nested: Map<string, Map<string, Tally>>, sign: number): [string[], string[], number[], string[]] {
  const out: [string[], string[], number[], string[]] = [[], [], [], []];
  for (const outer of [...nested.keys()].sort(byKey)) {
    const m = nested.get(outer)!;
    for (const key of [...m.keys()].sort(byKey)) {
      const t = m.get(key)!;
      out[0].push(outer);
      out[1].push(key);
      out[2].push(sign * t.count);
      out[3].push(new Date(t.last).toISOString());
    }
  }
  return out;
}

const arrays = (c: [string[], string[], number[], string[]]) =>
  sql`unnest(${sql.param(c[0])}::text[], ${sql.param(c[1])}::text[], ${sql.param(c[2])}::bigint[], ${sql.param(c[3])}::timestamptz[]) as u(a, b, n, l)`;

/** Adds a summary to the catalogue: one statement (three upserts in key order). */
export async function recordSeen(db: Database, workspaceId: string, summary: SeenSummary): Promise<void> {
  if (summary.events.size === 0) return;
  const ws = sql`${workspaceId}::uuid`;
  const events = columns(new Map([['', new Map(summary.events)]]), 1);
  const properties = columns(summary.properties, 1);
  const values = columns(summary.values, 1);
  await db.execute(sql`
    with e as (
      insert into seen_events as s (workspace_id, name, count, last_seen_at)
      select ${ws}, u.b, u.n, u.l from ${arrays(events)} order by u.b collate "C"
      on conflict (workspace_id, name) do update set count = s.count + excluded.count, last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at)
      returning 1),
    p as (
      insert into seen_event_properties as s (workspace_id, event, property, count, last_seen_at)
      select ${ws}, u.a, u.b, u.n, u.l from ${arrays(properties)} order by u.a collate "C", u.b collate "C"
      on conflict (workspace_id, event, property) do update set count = s.count + excluded.count, last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at)
      returning 1),
    v as (
      insert into seen_values as s (workspace_id, attr, value, count, last_seen_at)
      select ${ws}, u.a, u.b, u.n, u.l from ${arrays(values)}
      where exists (select 1 from seen_values x where x.workspace_id = ${ws} and x.attr = u.a and x.value = u.b)
        or (select count(*) from (select 1 from seen_values x where x.workspace_id = ${ws} and x.attr = u.a limit ${SEEN_VALUES_PER_ATTRIBUTE}) c) < ${SEEN_VALUES_PER_ATTRIBUTE}
      order by u.a collate "C", u.b collate "C"
      on conflict (workspace_id, attr, value) do update set count = s.count + excluded.count, last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at)
      returning 1)
    select (select count(*) from e) + (select count(*) from p) + (select count(*) from v) as n`);
}

/**
 * Takes a profile's events off the catalogue before they are deleted (erasure): counts go down,
 * rows at zero go. Set-based: the counts by name and property are computed in SQL; page URLs are
 * read grouped (one row per distinct URL) to take their UTM values off.
 */
export async function forgetProfileEvents(tx: Database, workspaceId: string, profileId: string): Promise<void> {
  const ws = sql`${workspaceId}::uuid`;
  const pid = sql`${profileId}::uuid`;
  const { rows: urls } = await tx.execute<{ url: string; n: number }>(sql`
    select properties->>'url' as url, count(*)::int as n from events
    where profile_id = ${pid} and name = ${PAGE_VIEW_EVENT} and properties->>'url' like '%utm\\_%'
    group by 1`);
  await tx.execute(sql`
    with mine as (select name, properties from events where profile_id = ${pid}),
    e as (
      update seen_events s set count = s.count - x.n
      from (select name, count(*) as n from mine group by name order by name collate "C") x
      where s.workspace_id = ${ws} and s.name = x.name returning 1),
    p as (
      update seen_event_properties s set count = s.count - x.n
      from (select m.name, k.key, count(*) as n from mine m cross join lateral jsonb_object_keys(m.properties) k(key)
            where jsonb_typeof(m.properties) = 'object' group by 1, 2) x
      where s.workspace_id = ${ws} and s.event = x.name and s.property = x.key returning 1)
    select (select count(*) from e) + (select count(*) from p) as n`);
  if (urls.length > 0) {
    const summary = emptySummary();
    for (const u of urls) tallyPageUrl(summary, u.url, 0, u.n);
    const values = columns(summary.values, 1);
    await tx.execute(sql`
      update seen_values s set count = s.count - u.n from ${arrays(values)}
      where s.workspace_id = ${ws} and s.attr = u.a and s.value = u.b`);
  }
  await tx.execute(sql`
    with a as (delete from seen_events where workspace_id = ${ws} and count <= 0 returning 1),
    b as (delete from seen_event_properties where workspace_id = ${ws} and count <= 0 returning 1),
    c as (delete from seen_values where workspace_id = ${ws} and count <= 0 returning 1)
    select (select count(*) from a) + (select count(*) from b) + (select count(*) from c) as n`);
}
