/**
 * Event counts of many profiles grouped in ONE pass over a workspace's events: the per-profile
 * aggregates that a recompute of many segments (api/segments/recompute.ts) joins to its profiles.
 * A rule compiled with `eventCount: columns.count` refers to a column of these aggregates instead
 * of probing the events of each profile once per event node per segment.
 */
import { sql, type SQL } from 'drizzle-orm';
import { events } from '../../drizzle/index.js';
import { eventFilterSql } from './rule-sql.js';
import type { Now } from './rule-sql-attributes.js';
import type { EventNode } from '../../schema/rule.js';

/** One count column: the events of a profile that `node` counts (its name, window and `where`). */
export interface EventCountColumn {
  column: string;
  node: EventNode;
}

/**
 * The distinct event counts that compiled rules ask for, a column each (`c0`, `c1`, ...): nodes
 * with the same event, window and conditions share one column, whichever segment they come from.
 * Pass `count` as compileRuleSql's `eventCount`; it answers the column of the aggregates relation
 * `alias` (NULL for a profile without events is read as 0, the relation being left-joined).
 */
export class EventCountColumns {
  private readonly byKey = new Map<string, EventCountColumn>();

  constructor(private readonly alias = 'ev') {}

  readonly count = (node: EventNode): SQL => {
    const key = JSON.stringify([node.event, node.inLastDays, node.where]);
    let found = this.byKey.get(key);
    if (!found) this.byKey.set(key, (found = { column: `c${this.byKey.size}`, node }));
    return sql`coalesce(${sql.identifier(this.alias)}.${sql.identifier(found.column)}, 0::int8)`;
  };

  get columns(): EventCountColumn[] {
    return [...this.byKey.values()];
  }
}

export interface EventAggregatesOptions {
  /** The workspace id, a uuid SQL expression (a value or a placeholder). */
  workspaceId: SQL;
  /** The instant of the evaluation, as given to compileRuleSql (same windows). */
  now: Now;
  /** An extra condition on the events' profile, given `"e"."profile_id"` (a range of a chunk). */
  profileFilter?: (profileId: SQL) => SQL;
}

/**
 * The aggregates as a query: one row per profile of the workspace that has at least one event of
 * the counted names (`profile_id`, then an int8 column per `columns` entry, `count(*) filter (where
 * <eventFilterSql of the node>)`). One grouped scan of the events (a hash or sorted aggregate, not
 * a probe per profile); the events are read through events_workspace_name_occurred_idx or the
 * table, as the planner finds cheaper. Undefined when there is nothing to count. Left-join it on
 * `profile_id` (profiles without events are absent: their counts are 0).
 * @example sql`select p.id, ${predicate} from profiles p left join (${eventAggregatesSql(columns.columns, { workspaceId, now })}) as ev on ev.profile_id = p.id`
 */
export function eventAggregatesSql(columns: readonly EventCountColumn[], options: EventAggregatesOptions): SQL | undefined {
  if (columns.length === 0) return undefined;
  const names = [...new Set(columns.map((c) => c.node.event))];
  const profileId = sql`${sql.identifier('e')}.${sql.identifier('profile_id')}`;
  const extra = options.profileFilter ? sql` and ${options.profileFilter(profileId)}` : sql``;
  const counts = columns.map((c) => sql`count(*) filter (where ${eventFilterSql(c.node, options.now)}) as ${sql.identifier(c.column)}`);
  return sql`
    select ${profileId}, ${sql.join(counts, sql`, `)}
    from ${events} as "e"
    where ${sql.identifier('e')}.${sql.identifier('workspace_id')} = ${options.workspaceId}
      and ${sql.identifier('e')}.${sql.identifier('name')} in (${sql.join(names.map((n) => sql`${n}::text`), sql`, `)})${extra}
    group by ${profileId}`;
}
