/**
 * The per-profile evaluation of refreshProfiles: every published dynamic segment of a workspace
 * evaluated for a few profiles in one statement, compiled once per published definition set with
 * the workspace, the profile ids and `now` as parameters.
 */
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { executePrepared, placeholder, prepareSql, textArrayLiteral, type PreparedSql } from '../db/prepared.js';
import { events, profiles } from '../../drizzle/index.js';
import { compileRuleSql, eventFilterSql } from './rule-sql.js';
import { epochMs } from './rule-sql-attributes.js';
import type { PublishedDefinition, PublishedDefinitions } from './definitions.js';
import type { EventNode } from '../../schema/rule.js';
import { conditionChange, earliest, eventChange, timeAtoms } from './due-sql.js';
import { SharedViews } from './shared-views.js';

/** The parts of the per-profile evaluation that vary per call: SQL expressions (values or parameters). */
interface EvaluationInputs {
  /** The workspace id, a uuid. */
  workspaceId: SQL;
  /** Which profiles: a condition on profiles.id (see idsFilter). */
  profileFilter: SQL;
  /** The instant, epoch milliseconds as float8. */
  now: SQL;
}

/**
 * The evaluation of some profiles against `dynamic` segments in one query: a row per profile with
 * its id and one boolean column `s<i>` per segment. Event counts are read once per profile: one
 * pass over its events (of the names the rules count) computes every distinct count the segments
 * need (`count(*) filter (where ...)`, a column each), instead of an index probe per event node
 * per segment; each segment then compares a column. Likewise a trait or derived value that
 * several conditions read is computed once per profile (shared-views.ts, as the full recompute
 * does), not once per condition. Time bounds are computed in SQL from `inputs.now`, so the text
 * depends only on the definitions (see compiledEvaluation).
 */
function evaluationSql(dynamic: readonly PublishedDefinition[], definitions: PublishedDefinitions, inputs: EvaluationInputs): SQL {
  const { now } = inputs;
  const counts = new Map<string, { column: string; node: EventNode }>();
  const eventCount = (node: EventNode): SQL => {
    const key = JSON.stringify([node.event, node.inLastDays, node.where]);
    let count = counts.get(key);
    if (!count) counts.set(key, (count = { column: `c${counts.size}`, node }));
    return sql`${sql.identifier('ev')}.${sql.identifier(count.column)}`;
  };
  const views = new SharedViews();
  const env = { now, segment: (slug: string) => definitions.bySlug.get(slug), events: 'correlated' as const, eventCount, attributeView: views.view };
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
    changes.push(sql`${sql.identifier('ev')}.${sql.identifier(`d${i}`)}`);
  });
  columns.push(sql`${earliest(changes)} as "next_change"`);
  const names = [...new Set([...counts.values()].map((c) => c.node.event).concat(atoms.events.map((n) => n.event)))];
  const perProfile =
    aggregates.length === 0
      ? sql``
      : sql`cross join lateral (
          select ${sql.join(aggregates, sql`, `)}
          from (
            select ${events.name}, ${events.properties}, ${epochMs(events.occurredAt)} as "occurred_ms"
            from ${events}
            where ${events.profileId} = ${profiles.id} and ${events.name} in (${sql.join(names.map((n) => sql`${n}::text`), sql`, `)})
            offset 0
          ) as "e"
        ) as ${sql.identifier('ev')}`;
  return sql`
    select ${profiles.id} as id, ${sql.join(columns, sql`, `)}
    from ${views.profiles(sql`${profiles.workspaceId} = ${inputs.workspaceId} and ${inputs.profileFilter}`)} ${perProfile}`;
}

/**
 * The condition on profiles.id for `ids` (values or a placeholder): `= $1` for one profile, the
 * usual call. Its estimate does not depend on the value, so after a few runs PostgreSQL keeps the
 * generic plan of the prepared statement; with `= any($1)` the generic plan is costed for an
 * array of unknown length, never wins over the custom one, and every run is planned again.
 */
function idsFilter(ids: { one: SQL } | { many: SQL }): SQL {
  return 'one' in ids ? sql`${profiles.id} = ${ids.one}::uuid` : sql`${profiles.id} = any(${ids.many}::uuid[])`;
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
    profileFilter: idsFilter(profileIds.length === 1 ? { one: sql`${profileIds[0]}` } : { many: sql`${textArrayLiteral(profileIds)}` }),
    now: sql`${now}::float8`,
  });
}

/** The evaluation of a definition set compiled once: its dynamic segments, SQL text and parameters. */
export interface CompiledEvaluation {
  dynamic: PublishedDefinition[];
  /** For one profile (placeholder `profileId`) and for several (`profileIds`, a uuid[] literal); named after a hash of their text. */
  one: PreparedSql;
  many: PreparedSql;
}

/**
 * Compiled evaluations by definition set. loadPublishedDefinitions returns the same object while
 * nothing it read changed and a new one after any publish, archive or trait change, so the cache
 * is invalidated exactly as the definitions are; a weak key lets it go with them.
 */
const compiledEvaluations = new WeakMap<PublishedDefinitions, CompiledEvaluation>();

/** The evaluation of a definition set, compiled to text on first use (building it costs more than running it). */
export function compiledEvaluation(definitions: PublishedDefinitions): CompiledEvaluation {
  let compiled = compiledEvaluations.get(definitions);
  if (compiled) return compiled;
  const dynamic = [...definitions.byId.values()].filter((d) => d.type === 'dynamic');
  const compile = (profileFilter: SQL): PreparedSql => {
    const { query } = prepareSql(
      'ae_profile_eval',
      evaluationSql(dynamic, definitions, { workspaceId: sql`${placeholder('workspaceId')}::uuid`, profileFilter, now: sql`${placeholder('now')}::float8` }),
    );
    // The text differs with the definitions: a name per text.
    return { name: `ae_profile_eval_${createHash('sha256').update(query.sql).update(JSON.stringify(query.params)).digest('hex').slice(0, 32)}`, query };
  };
  compiled = { dynamic, one: compile(idsFilter({ one: sql`${placeholder('profileId')}` })), many: compile(idsFilter({ many: sql`${placeholder('profileIds')}` })) };
  compiledEvaluations.set(definitions, compiled);
  return compiled;
}

/**
 * Evaluates profiles against the dynamic segments of `definitions` through their compiled
 * statement (prepared, see api/db/prepared.ts): a row per profile with its id, a boolean `s<i>`
 * per segment of `.dynamic`, and `next_change`: the next instant (epoch ms, float8) after `now` at
 * which a time-dependent condition can change for it, or null (due-sql.ts).
 */
export async function evaluateProfiles(db: Database, definitions: PublishedDefinitions, workspaceId: string, profileIds: readonly string[], now: number) {
  const compiled = compiledEvaluation(definitions);
  if (profileIds.length === 1) return executePrepared(db, compiled.one, { workspaceId, profileId: profileIds[0], now });
  return executePrepared(db, compiled.many, { workspaceId, profileIds: textArrayLiteral(profileIds), now });
}
