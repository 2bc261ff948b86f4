/**
 * The per-profile evaluation of refreshProfiles: every published dynamic segment of a workspace
 * evaluated for a few profiles in one statement, compiled once per published definition set with
 * the workspace, the profile ids and `now` as parameters.
 */
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { executeCustom, executePrepared, placeholder, prepareSql, textArrayLiteral, type PreparedSql } from '../db/prepared.js';
import { events, profileDue, profiles, segmentMembers } from '../../drizzle/index.js';
import { compileRuleSql, eventFilterSql } from './rule-sql.js';
import { epochMs } from './rule-sql-attributes.js';
import type { PublishedDefinition, PublishedDefinitions } from './definitions.js';
import type { EventNode } from '../../schema/rule.js';
import { conditionChange, dueInstant, earliest, eventChange, timeAtoms } from './due-sql.js';
import { SharedViews } from './shared-views.js';

/**
 * Which published dynamic segments an evaluation covers: `all` (a profile changed: anything may
 * follow), or `time`, the time-dependent ones (isTimeDependent): all that time passing alone can
 * change, what the periodic time-window pass evaluates.
 */
export type EvaluationScope = 'all' | 'time';

/**
 * Whether a segment's membership can change with no write, by time passing: its rule, with the
 * dynamic segments it references inlined (as compileRuleSql and timeAtoms follow them), has a
 * time-dependent condition or event count. A segment for which this is false matches the same
 * profiles at any later instant until a profile, an event, a trait or a definition is written, and
 * every such write re-evaluates it (dirty evaluator, publish).
 */
export function isTimeDependent(definition: PublishedDefinition, definitions: PublishedDefinitions): boolean {
  if (definition.type !== 'dynamic') return false;
  const atoms = timeAtoms([definition.rule], definitions);
  return atoms.conditions.length > 0 || atoms.events.length > 0;
}

/** The parts of the per-profile evaluation that vary per call: SQL expressions (values or parameters). */
interface EvaluationInputs {
  /** The workspace id, a uuid. */
  workspaceId: SQL;
  /** Which profiles: one id (`one`, a uuid) or several (`many`, a uuid[]). */
  ids: { one: SQL } | { many: SQL };
  /** The instant, epoch milliseconds as float8. */
  now: SQL;
}

/**
 * The evaluation of some profiles against `dynamic` segments in one query: a row per profile with
 * its id and one boolean column `s<i>` per segment. Event counts are read once per profile: one
 * pass over its events (of the names the rules count) computes every distinct count the segments
 * need (`count(*) filter (where ...)`, a column each), instead of an index probe per event node
 * per segment; each segment then compares a column. Time bounds are computed in SQL from
 * `inputs.now`, so the text depends only on the definitions (see compiledEvaluation).
 * For one profile (`id = $1`: its estimate does not depend on the value, so PostgreSQL keeps the
 * prepared statement's generic plan; with `= any($1)` it plans every run), the counts are a
 * lateral subquery over its events. For several (a batch of the dirty evaluator or of the due
 * pass), the events of all of them are read in one bitmap scan (heap pages in order, not one scan
 * per profile) and grouped once by profile, and the attribute readings the rules share (a date
 * trait's ae_date_ms ...) are computed once per profile (SharedViews), as the full recompute does.
 */
function evaluationSql(dynamic: readonly PublishedDefinition[], definitions: PublishedDefinitions, inputs: EvaluationInputs): SQL {
  const { now, ids } = inputs;
  const many = 'many' in ids;
  const ev = (column: string) => sql`${sql.identifier('ev')}.${sql.identifier(column)}`;
  const counts = new Map<string, { column: string; node: EventNode }>();
  const eventCount = (node: EventNode): SQL => {
    const key = JSON.stringify([node.event, node.inLastDays, node.where]);
    let count = counts.get(key);
    if (!count) counts.set(key, (count = { column: `c${counts.size}`, node }));
    // Left-joined when grouped: a profile without events has no row (its counts are 0).
    return many ? sql`coalesce(${ev(count.column)}, 0::int8)` : ev(count.column);
  };
  const views = new SharedViews();
  const env = { now, segment: (slug: string) => definitions.bySlug.get(slug), events: 'correlated' as const, eventCount, attributeView: many ? views.view : undefined };
  const columns: SQL[] = dynamic.map((d, i) => sql`${compileRuleSql(d.rule, env)} as ${sql.identifier(`s${i}`)}`);
  // The instant of each event in ms, computed once per event row (`offset 0` keeps the subquery
  // from being flattened, which would repeat the expression in every count's filter).
  const occurredMs = sql`${sql.identifier('e')}.${sql.identifier('occurred_ms')}`;
  // The profile's next change instant (due-sql.ts): the earliest change of any time-dependent
  // condition, event counts' changes as `min` columns over the same pass over its events.
  const atoms = timeAtoms(dynamic.map((d) => d.rule), definitions);
  const aggregates = [...counts.values()].map((c) => sql`count(*) filter (where ${eventFilterSql(c.node, now, occurredMs)}) as ${sql.identifier(c.column)}`);
  const changes = atoms.conditions.map((c) => conditionChange(c, now)).filter((c): c is SQL => c !== null);
  atoms.events.forEach((node, i) => {
    const { filter, change } = eventChange(node, now, occurredMs);
    aggregates.push(sql`min(${change}) filter (where ${filter}) as ${sql.identifier(`d${i}`)}`);
    changes.push(ev(`d${i}`));
  });
  columns.push(sql`${earliest(changes)} as "next_change"`);
  const names = [...new Set([...counts.values()].map((c) => c.node.event).concat(atoms.events.map((n) => n.event)))];
  const eventRows = (ofProfiles: SQL) => sql`
    select ${events.profileId}, ${events.name}, ${events.properties}, ${epochMs(events.occurredAt)} as "occurred_ms"
    from ${events}
    where ${ofProfiles} and ${events.name} in (${sql.join(names.map((n) => sql`${n}::text`), sql`, `)})
    offset 0`;
  if (!('many' in ids)) {
    const perProfile =
      aggregates.length === 0 ? sql`` : sql`cross join lateral (select ${sql.join(aggregates, sql`, `)} from (${eventRows(sql`${events.profileId} = ${profiles.id}`)}) as "e") as "ev"`;
    return sql`
      select ${profiles.id} as id, ${sql.join(columns, sql`, `)}
      from ${profiles} ${perProfile}
      where ${profiles.workspaceId} = ${inputs.workspaceId} and ${profiles.id} = ${ids.one}::uuid`;
  }
  const grouped =
    aggregates.length === 0
      ? sql``
      : sql`left join (
          select "e"."profile_id", ${sql.join(aggregates, sql`, `)}
          from (${eventRows(sql`${events.profileId} = any(${ids.many}::uuid[])`)}) as "e"
          group by "e"."profile_id"
        ) as "ev" on ${ev('profile_id')} = ${profiles.id}`;
  return sql`
    select ${profiles.id} as id, ${sql.join(columns, sql`, `)}
    from (
      select ${profiles}.*${views.columns()} from ${profiles}
      where ${profiles.workspaceId} = ${inputs.workspaceId} and ${profiles.id} = any(${ids.many}::uuid[])
      offset 0
    ) as ${profiles} ${grouped}`;
}

/**
 * The evaluation of `profileIds` against `dynamic` segments at `now`, as one SQL statement with its
 * values bound: the text refreshProfiles prepares, for tests and benchmarks.
 */
export function profileEvaluationSql(
  workspaceId: string,
  profileIds: readonly string[],
  dynamic: readonly PublishedDefinition[],
  definitions: PublishedDefinitions,
  now: number,
): SQL {
  return evaluationSql(dynamic, definitions, {
    workspaceId: sql`${workspaceId}::uuid`,
    ids: profileIds.length === 1 ? { one: sql`${profileIds[0]}` } : { many: sql`${textArrayLiteral(profileIds)}` },
    now: sql`${now}::float8`,
  });
}

/**
 * The evaluation of some profiles and the application of its result in one statement (what
 * refreshProfiles runs): no boolean of a segment and a profile goes to the client and no pair comes
 * back. `evaluation` is evaluationSql's; `profileIds` the uuid[] of the profiles evaluated (those
 * with no row, deleted, lose their memberships and instant). In one snapshot:
 * - `profile_due`: the instant of each evaluated profile replaced (due-store.ts's storeNextChanges);
 * - `segment_members` of the evaluated profiles in `dynamic` made exactly the matching pairs: pairs
 *   no longer matching deleted, new ones inserted at `joinedAt` (`on conflict do nothing`: a
 *   concurrent refresh may have done part of it; what it did is not counted here);
 * - a row per segment that changed, with how many joined and left (`segment_id`, `added`, `removed`).
 * The data-modifying parts run to completion whatever the final select reads (PostgreSQL's rule).
 */
function refreshSql(evaluation: SQL, dynamic: readonly PublishedDefinition[], profileIds: SQL, workspaceId: SQL, joinedAt: SQL): SQL {
  const matches = sql.join(dynamic.map((_, i) => sql`"evaluated".${sql.identifier(`s${i}`)}`), sql`, `);
  const segments = sql`${textArrayLiteral(dynamic.map((d) => d.id))}::uuid[]`;
  return sql`
  with "evaluated" as materialized (${evaluation}),
  "should" as materialized (
    select "x"."segment_id", "evaluated"."id" as "profile_id"
    from "evaluated" cross join lateral unnest(${segments}, array[${matches}]::boolean[]) as "x"("segment_id", "member")
    where "x"."member"
  ),
  "due_gone" as (
    delete from ${profileDue} "d"
    where "d"."profile_id" = any(${profileIds})
      and not exists (select 1 from "evaluated" where "evaluated"."id" = "d"."profile_id" and "evaluated"."next_change" is not null)
  ),
  "due_stored" as (
    insert into ${profileDue} (profile_id, workspace_id, due_at)
    select "evaluated"."id", ${workspaceId}, ${dueInstant(sql`"evaluated"."next_change"`)} from "evaluated" where "evaluated"."next_change" is not null
    on conflict (profile_id) do update set due_at = excluded.due_at
  ),
  "current_members" as materialized (
    select "m"."segment_id", "m"."profile_id" from ${segmentMembers} "m"
    where "m"."profile_id" = any(${profileIds}) and "m"."segment_id" = any(${segments})
  ),
  "removed" as (
    delete from ${segmentMembers} "m" using "current_members" "c"
    where "m"."segment_id" = "c"."segment_id" and "m"."profile_id" = "c"."profile_id"
      and not exists (select 1 from "should" "s" where "s"."segment_id" = "c"."segment_id" and "s"."profile_id" = "c"."profile_id")
    returning "m"."segment_id"
  ),
  "added" as (
    insert into ${segmentMembers} (segment_id, profile_id, workspace_id, joined_at)
    select "s"."segment_id", "s"."profile_id", ${workspaceId}, ${joinedAt} from "should" "s"
    where not exists (select 1 from "current_members" "c" where "c"."segment_id" = "s"."segment_id" and "c"."profile_id" = "s"."profile_id")
    on conflict do nothing
    returning segment_id
  )
  select "segment_id", (count(*) filter (where "joined"))::int as "added", (count(*) filter (where not "joined"))::int as "removed"
  from (select "segment_id", true as "joined" from "added" union all select "segment_id", false from "removed") as "changes"
  group by "segment_id"`;
}

/** The evaluation of a definition set compiled once: its dynamic segments, SQL text and parameters. */
export interface CompiledEvaluation {
  dynamic: PublishedDefinition[];
  /** For one profile (placeholder `profileId`) and for several (`profileIds`, a uuid[] literal); named after a hash of their text. */
  one: PreparedSql;
  many: PreparedSql;
  /**
   * The evaluation applied (refreshSql), for one profile (placeholders `profileId`, `profileIds`:
   * the same id as a uuid[], `workspaceId`, `now`, `joinedAt`) and for several (`profileIds`).
   * Run `many` unnamed (executeCustom): a generic plan assumes a handful of ids and joins the
   * batch's event counts to its profiles by a nested loop (measured: 8.3 s for 1,000 profiles
   * with events, 68 ms with the plan made for the actual ids).
   */
  refreshOne: PreparedSql;
  refreshMany: PreparedSql;
}

/**
 * Compiled evaluations by definition set. loadPublishedDefinitions returns the same object while
 * nothing it read changed and a new one after any publish, archive or trait change, so the cache
 * is invalidated exactly as the definitions are; a weak key lets it go with them.
 */
const compiledEvaluations = new WeakMap<PublishedDefinitions, Partial<Record<EvaluationScope, CompiledEvaluation>>>();

/**
 * The evaluation of a definition set against the segments of `scope`, compiled to text on first
 * use (building it costs more than running it). Its `next_change` is the same in both scopes: the
 * segments `time` leaves out have no time-dependent part to offer one.
 */
export function compiledEvaluation(definitions: PublishedDefinitions, scope: EvaluationScope = 'all'): CompiledEvaluation {
  let byScope = compiledEvaluations.get(definitions);
  if (!byScope) compiledEvaluations.set(definitions, (byScope = {}));
  let compiled = byScope[scope];
  if (compiled) return compiled;
  const published = [...definitions.byId.values()].filter((d) => d.type === 'dynamic');
  const dynamic = scope === 'all' ? published : published.filter((d) => isTimeDependent(d, definitions));
  const compile = (ids: EvaluationInputs['ids']): PreparedSql => {
    const { query } = prepareSql(
      'ae_profile_eval',
      evaluationSql(dynamic, definitions, { workspaceId: sql`${placeholder('workspaceId')}::uuid`, ids, now: sql`${placeholder('now')}::float8` }),
    );
    // The text differs with the definitions: a name per text.
    return { name: `ae_profile_eval_${createHash('sha256').update(query.sql).update(JSON.stringify(query.params)).digest('hex').slice(0, 32)}`, query };
  };
  const compileRefresh = (ids: EvaluationInputs['ids']): PreparedSql => {
    const workspaceId = sql`${placeholder('workspaceId')}::uuid`;
    const evaluation = evaluationSql(dynamic, definitions, { workspaceId, ids, now: sql`${placeholder('now')}::float8` });
    const { query } = prepareSql('ae_profile_refresh', refreshSql(evaluation, dynamic, sql`${placeholder('profileIds')}::uuid[]`, workspaceId, sql`${placeholder('joinedAt')}::timestamptz`));
    return { name: `ae_profile_refresh_${createHash('sha256').update(query.sql).update(JSON.stringify(query.params)).digest('hex').slice(0, 32)}`, query };
  };
  compiled = {
    dynamic,
    one: compile({ one: sql`${placeholder('profileId')}` }),
    many: compile({ many: sql`${placeholder('profileIds')}` }),
    refreshOne: compileRefresh({ one: sql`${placeholder('profileId')}` }),
    refreshMany: compileRefresh({ many: sql`${placeholder('profileIds')}` }),
  };
  byScope[scope] = compiled;
  return compiled;
}

/**
 * Evaluates profiles against the dynamic segments of `definitions` in `scope` through their compiled
 * statement (prepared, see api/db/prepared.ts): a row per profile with its id, a boolean `s<i>`
 * per segment of compiledEvaluation(definitions, scope).dynamic, and `next_change`: the next instant (epoch ms, float8) after `now` at
 * which a time-dependent condition can change for it, or null (due-sql.ts).
 */
export async function evaluateProfiles(db: Database, definitions: PublishedDefinitions, workspaceId: string, profileIds: readonly string[], now: number, scope: EvaluationScope = 'all') {
  const compiled = compiledEvaluation(definitions, scope);
  if (profileIds.length === 1) return executePrepared(db, compiled.one, { workspaceId, profileId: profileIds[0], now });
  return executeCustom(db, compiled.many, { workspaceId, profileIds: textArrayLiteral(profileIds), now });
}
