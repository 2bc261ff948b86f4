/**
 * Merges one chunk of imported events set-based, with trackEvents' semantics: idempotent by event
 * id (a stored id, or one repeated in the file, is a duplicate: the first occurrence wins), an
 * unknown externalId creates its profile unless the person was erased (those lines are refused one
 * by one, nothing is created), an unknown profileId refuses its line, purchase columns are
 * recomputed for the profiles that got purchases, and the profiles that got events are announced.
 * Same lock order as every profile writer (profile-locks.ts): new externalIds inserted in byte
 * order, then all profiles of the chunk locked in id order; events inserted in event id order.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { ImportLineError } from '../../drizzle/index.js';
import type { CheckedEvent } from '../events/event-input.js';
import { PURCHASE_EVENT, recomputePurchases } from '../events/purchases.js';
import { profilesChanged } from '../segments/profile-changes.js';
import { recordSeen, summariseSeen } from '../events/seen.js';
import type { TombstoneHash } from '../profiles/tombstones.js';
import { probeByIndex, stageRows, type StageColumn } from './staging.js';

export interface EventChunkResult {
  /** Lines whose event was stored now or was already stored. */
  accepted: number;
  inserted: number;
  created: number;
  errors: ImportLineError[];
}

const STAGE_COLUMNS: StageColumn[] = [
  ['line', 'int'],
  ['event_id', 'text'],
  ['external_id', 'text'],
  ['profile_id', 'uuid'],
  ['name', 'text'],
  ['properties', 'jsonb'],
  ['occurred_at', 'timestamptz'],
];

/** `events` in line order, each event id once (later repeats are left to the caller to count as duplicates). */
export async function mergeEvents(tx: Database, workspaceId: string, events: ReadonlyArray<{ line: number; event: CheckedEvent }>, now: Date, hash: TombstoneHash): Promise<EventChunkResult> {
  if (events.length === 0) return { accepted: 0, inserted: 0, created: 0, errors: [] };
  const at = now.toISOString();
  const ws = sql`${workspaceId}::uuid`;
  await tx.execute(sql.raw(`create temp table ae_import_events (line int not null, event_id text not null, external_id text, profile_id uuid, name text not null,
    properties jsonb not null, occurred_at timestamptz not null) on commit drop`));
  await stageRows(
    tx,
    'ae_import_events',
    STAGE_COLUMNS,
    events.map(({ line, event: e }) => [String(line), e.eventId, e.externalId, e.profileId, e.name, JSON.stringify(e.properties), e.occurredAt.toISOString()]),
  );
  await tx.execute(sql.raw('analyze ae_import_events'));
  await probeByIndex(tx, true);
  const errors: ImportLineError[] = [];
  // Erased people: their unknown externalIds match a tombstone; their lines are refused.
  const { rows: any } = await tx.execute<{ any: boolean }>(sql`select exists (select 1 from profile_tombstones where workspace_id = ${ws}) as any`);
  if (any[0]?.any) {
    const { rows: unknown } = await tx.execute<{ external_id: string }>(sql`
      select distinct s.external_id from ae_import_events s
      where s.external_id is not null and not exists (select 1 from profiles p where p.workspace_id = ${ws} and p.external_id = s.external_id)`);
    const byHash = new Map(unknown.map((r) => [hash(r.external_id), r.external_id]));
    if (byHash.size > 0) {
      const { rows: erased } = await tx.execute<{ h: string }>(sql`
        select external_id_hmac as h from profile_tombstones where workspace_id = ${ws} and external_id_hmac = any(${sql.param([...byHash.keys()])}::text[])`);
      if (erased.length > 0) {
        const { rows: refused } = await tx.execute<{ line: number }>(sql`
          delete from ae_import_events where external_id = any(${sql.param(erased.map((r) => byHash.get(r.h)!))}::text[]) returning line`);
        for (const r of refused) errors.push({ line: r.line, path: 'externalId', message: 'this person was erased (deleteProfile): their events are refused until the profile is imported or upserted again' });
      }
    }
  }
  const { rows: created } = await tx.execute<{ n: number }>(sql`
    with ins as (
      insert into profiles (workspace_id, external_id, created_at, updated_at)
      select ${ws}, x.external_id, ${at}::timestamptz, ${at}::timestamptz
      from (select distinct s.external_id from ae_import_events s where s.external_id is not null) x
      order by x.external_id collate "C"
      on conflict (workspace_id, external_id) do nothing
      returning 1)
    select count(*)::int as n from ins`);
  await tx.execute(sql`
    select p.id from profiles p
    where p.workspace_id = ${ws} and p.id = any(array(
      select q.id from ae_import_events s join profiles q on q.workspace_id = ${ws} and q.external_id = s.external_id
      union select s.profile_id from ae_import_events s where s.profile_id is not null))
    order by p.id for update of p`);
  // After the lock, a profile id that is not there stays absent until the commit.
  const { rows: missing } = await tx.execute<{ line: number; profile_id: string }>(sql`
    delete from ae_import_events s where s.profile_id is not null
      and not exists (select 1 from profiles p where p.id = s.profile_id and p.workspace_id = ${ws})
    returning s.line, s.profile_id`);
  for (const r of missing) errors.push({ line: r.line, path: 'profileId', message: `no profile with id ${r.profile_id}` });
  const { rows: result } = await tx.execute<{ inserted: number; stored: string[] | null; changed: string[] | null; purchasers: string[] | null }>(sql`
    with ins as (
      insert into events (workspace_id, event_id, profile_id, name, properties, occurred_at, received_at)
      select ${ws}, s.event_id, coalesce(s.profile_id, p.id), s.name, s.properties, s.occurred_at, ${at}::timestamptz
      from ae_import_events s left join profiles p on p.workspace_id = ${ws} and p.external_id = s.external_id
      order by s.event_id collate "C"
      on conflict (workspace_id, event_id) do nothing
      returning profile_id, name, event_id)
    select count(*)::int as inserted, array_agg(event_id) as stored, array_agg(distinct profile_id) as changed,
      array_agg(distinct profile_id) filter (where name = ${PURCHASE_EVENT}) as purchasers
    from ins`);
  const { inserted, stored, changed, purchasers } = result[0]!;
  const storedIds = new Set(stored ?? []);
  await recordSeen(tx, workspaceId, summariseSeen(events.map((e) => e.event).filter((e) => storedIds.has(e.eventId))));
  await probeByIndex(tx, false);
  await recomputePurchases(tx, workspaceId, purchasers ?? [], now);
  await profilesChanged(tx, workspaceId, changed ?? [], now);
  return { accepted: events.length - errors.length, inserted, created: created[0]!.n, errors };
}
