/**
 * Writes of profile_due (drizzle/segments.ts): the next instant at which a profile's memberships
 * can change with no write (due-sql.ts).
 * - `storeNextChanges`: after an evaluation of some profiles (refreshProfiles), their instants as
 *   computed by it, replacing the stored ones (the evaluation covered every published segment).
 * - `lowerDue`: when segments are (re)published, set-based over the workspace: the next change of
 *   their time-dependent conditions, kept only where earlier than the stored instant.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { executePrepared, placeholder as p, prepareSql, textArrayLiteral } from '../db/prepared.js';
import { events, profileDue, profiles } from '../../drizzle/index.js';
import type { RuleNode } from '../../schema/rule.js';
import { DAY_MS } from '../../schema/rule.js';
import type { PublishedDefinitions } from './definitions.js';
import { changePrefilter, conditionChange, dueInstant, earliest, eventChange, instantMs, timeAtoms } from './due-sql.js';


const STORE = prepareSql(
  'ae_due_store_v1',
  sql`
  with v(id, due) as (select * from unnest(${p('ids')}::uuid[], ${p('dues')}::float8[])),
  gone as (
    delete from ${profileDue} d
    where d.profile_id = any(${p('evaluated')}::uuid[])
      and not exists (select 1 from v where v.id = d.profile_id and v.due is not null)
    returning 1
  ),
  stored as (
    insert into ${profileDue} (profile_id, workspace_id, due_at)
    select v.id, ${p('workspaceId')}::uuid, ${dueInstant(sql`v.due`)} from v where v.due is not null
    on conflict (profile_id) do update set due_at = excluded.due_at
    returning 1
  )
  select (select count(*) from gone)::int as gone, (select count(*) from stored)::int as stored`,
);

/**
 * Stores the next change instants of evaluated profiles: `rows` as evaluateProfiles returns them
 * (`next_change`, epoch ms or null); profiles of `evaluated` with no row (deleted) or no instant lose theirs.
 */
export async function storeNextChanges(db: Database, workspaceId: string, evaluated: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const ids: string[] = [];
  const dues: string[] = [];
  for (const row of rows) {
    ids.push(row.id as string);
    const due = row.next_change;
    dues.push(due === null || due === undefined ? 'NULL' : String(Number(due)));
  }
  await executePrepared(db, STORE, { ids: textArrayLiteral(ids), dues: `{${dues.join(',')}}`, evaluated: textArrayLiteral(evaluated), workspaceId });
}

/**
 * Lowers the due instants of a workspace's profiles to the next change of the time-dependent
 * conditions of `rules` at `now` (references followed), where that is earlier than what is stored:
 * what a publish runs, in its transaction, for the segments it recomputed (their memberships are
 * current at `now`; the instants stored were computed without the new rules). Event counts read
 * only the events that can still move them (an index range of events (workspace, name, occurred_at)
 * for a window); conditions on profile attributes read the workspace's profiles once. Returns the
 * rows written.
 */
export async function lowerDue(db: Database, workspaceId: string, rules: readonly RuleNode[], definitions: PublishedDefinitions, now: number): Promise<number> {
  const atoms = timeAtoms(rules, definitions);
  if (atoms.conditions.length === 0 && atoms.events.length === 0) return 0;
  const nowSql = sql`${now}::float8`;
  const sources: SQL[] = [];
  const changes = atoms.conditions.map((c) => conditionChange(c, nowSql)).filter((c): c is SQL => c !== null);
  if (changes.length > 0) {
    // Only the profiles that can have a candidate, when every condition bounds them on an indexed column.
    const prefilters = atoms.conditions.map((c) => changePrefilter(c, now));
    const some = prefilters.every((f) => f !== null) ? sql` and (${sql.join(prefilters as SQL[], sql` or `)})` : sql``;
    sources.push(sql`select ${profiles.id} as id, ${earliest(changes)} as due from ${profiles} where ${profiles.workspaceId} = ${workspaceId}::uuid${some}`);
  }
  for (const node of atoms.events) {
    const { filter, change } = eventChange(node, nowSql, instantMs(sql`"e"."occurred_at"`));
    // The same bound as the filter's, on the column, for the index (a millisecond wider: the filter decides).
    const range = node.inLastDays === null ? sql`` : sql` and "e"."occurred_at" >= ${new Date(now - node.inLastDays * DAY_MS - 1).toISOString()}::timestamptz`;
    sources.push(sql`select "e"."profile_id" as id, min(${change}) as due from ${events} as "e"
      where "e"."workspace_id" = ${workspaceId}::uuid${range} and ${filter} group by "e"."profile_id"`);
  }
  const result = await db.execute(sql`
    with written as (
      insert into ${profileDue} (profile_id, workspace_id, due_at)
      -- (not a where on s.due: pushed into the sources, it would compute every candidate twice)
      select s.id, ${workspaceId}::uuid, ${dueInstant(sql`min(s.due)`)}
      from (${sql.join(sources, sql` union all `)}) as s
      group by s.id
      having min(s.due) is not null
      on conflict (profile_id) do update set due_at = least(${profileDue.dueAt}, excluded.due_at)
      returning 1
    )
    select count(*)::int as n from written`);
  return Number((result.rows[0] as { n: number | string }).n);
}
