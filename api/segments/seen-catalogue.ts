/**
 * What validation's warnings need of the seen catalogue (api/events/seen.ts) for one rule: the
 * tracked names among those the rule names plus the most frequent others (to suggest from), the
 * properties of the events it names, and the seen values of its attributes.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { RuleNode } from '../../schema/rule.js';
import { seenWanted, type SeenCatalogue } from '../../schema/rule-warnings.js';
import { SEEN_VALUE_ATTRIBUTES, SEEN_VALUES_PER_ATTRIBUTE } from '../events/seen.js';

/** Names to suggest from, most tracked first. */
const SUGGESTION_POOL = 2000;

/** What the warnings of `rules` need (one catalogue for them all: one query of each kind, never one per rule). */
export async function loadSeenCatalogue(db: Database, workspaceId: string, rules: readonly RuleNode[]): Promise<SeenCatalogue> {
  const wanted = seenWanted({ kind: 'all', rules: [...rules] });
  const ws = sql`${workspaceId}::uuid`;
  const events = [...wanted.events];
  const attrs = [...wanted.attrs].filter((a) => SEEN_VALUE_ATTRIBUTES.includes(a));
  // Sequential: db may be a transaction (one connection).
  const { rows: names } = events.length === 0 ? { rows: [] } : await db.execute<{ name: string }>(sql`
    (select name from seen_events where workspace_id = ${ws} and name = any(${sql.param(events)}::text[]))
    union (select name from seen_events where workspace_id = ${ws} order by count desc, name limit ${SUGGESTION_POOL})`);
  const { rows: props } = events.length === 0 ? { rows: [] } : await db.execute<{ event: string; property: string }>(sql`
    (select event, property from seen_event_properties
      where workspace_id = ${ws} and event = any(${sql.param(events)}::text[]) and property = any(${sql.param([...wanted.properties])}::text[]))
    union (select event, property from seen_event_properties
      where workspace_id = ${ws} and event = any(${sql.param(events)}::text[]) order by count desc, property limit ${SUGGESTION_POOL})`);
  const { rows: values } = attrs.length === 0 ? { rows: [] } : await db.execute<{ attr: string; value: string }>(sql`
    select attr, value from seen_values where workspace_id = ${ws} and attr = any(${sql.param(attrs)}::text[]) order by attr, count desc`);
  const properties = new Map<string, Set<string>>();
  for (const p of props) {
    if (!properties.has(p.event)) properties.set(p.event, new Set());
    properties.get(p.event)!.add(p.property);
  }
  const byAttr = new Map<string, string[]>();
  for (const v of values) {
    if (!byAttr.has(v.attr)) byAttr.set(v.attr, []);
    byAttr.get(v.attr)!.push(v.value);
  }
  // At the cap, a value not listed may still have been seen: no warnings on that attribute's values.
  for (const [attr, list] of byAttr) if (list.length >= SEEN_VALUES_PER_ATTRIBUTE) byAttr.delete(attr);
  return { events: new Set(names.map((n) => n.name)), properties, values: byAttr };
}
