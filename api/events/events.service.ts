/**
 * trackEvents: a batch of up to 1,000 events, all checked first (nothing written on any problem),
 * then written in one transaction (its profiles locked first, retried on a deadlock). Replayed event ids are ignored and counted as duplicates.
 * An unknown externalId creates a profile with that externalId (events often arrive before the
 * profile does), unless it was erased: its events are refused one by one (counted and named as
 * erased, the rest of the batch is written) and nothing is created. An unknown profileId is NOT_FOUND. Purchase columns are recomputed for the
 * profiles that got purchase events, then the touched profiles are marked dirty (evaluated in the
 * request after the commit with `waitForMemberships`).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { columnList, jsonRows } from '../db/json-rows.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError } from '../errors.js';
import { events, type ProfileRow } from '../../drizzle/index.js';
import { lockProfiles } from '../profiles/profile-locks.js';
import { profilesChanged } from '../segments/profile-changes.js';
import { profileChangesCommitted, type MembershipWait } from '../segments/dirty-evaluator.js';
import { throwProblems } from '../profiles/upsert.service.js';
import { checkEvents, type CheckedEvent, type TrackEventData } from './event-input.js';
import { PURCHASE_EVENT, recomputePurchases } from './purchases.js';
import { recordSeen, summariseSeen } from './seen.js';
import { tombstoned, tombstoneHash, type TombstoneHash } from '../profiles/tombstones.js';

export const MAX_EVENT_BATCH = 1000;

export interface TrackResult {
  accepted: number;
  duplicates: number;
  /** Events refused because their externalId was erased (tombstoned). */
  erased: number;
  /** Their event ids, as sent. */
  erasedEventIds: string[];
}

/**
 * Creates the missing profiles of `wanted.externalIds` except the erased ones (tombstoned, returned
 * apart), then locks them and the profiles `wanted.ids` until the end of the transaction `tx`, in
 * the one order of profile-locks.ts.
 */
export async function lockLivingProfiles(
  tx: Database,
  workspaceId: string,
  wanted: { externalIds: readonly string[]; ids?: readonly string[] },
  now: Date,
  hash: TombstoneHash,
): Promise<{ rows: ProfileRow[]; erased: Set<string> }> {
  const refuse = (unknown: string[]) => tombstoned(tx, workspaceId, hash, unknown);
  const { rows, refused } = await lockProfiles(tx, workspaceId, { externalIds: wanted.externalIds, ids: wanted.ids }, now, refuse);
  return { rows, erased: refused };
}

/** Profile ids by externalId (created and locked as lockLivingProfiles does), and the erased externalIds. */
export async function profilesByExternalId(
  tx: Database,
  workspaceId: string,
  externalIds: readonly string[],
  now: Date,
  hash: TombstoneHash,
): Promise<{ found: Map<string, string>; erased: Set<string> }> {
  const { rows, erased } = await lockLivingProfiles(tx, workspaceId, { externalIds }, now, hash);
  return { found: new Map(rows.flatMap((r) => (r.externalId === null ? [] : [[r.externalId, r.id] as const]))), erased };
}

const EVENT_COLUMNS = ['workspaceId', 'eventId', 'profileId', 'name', 'properties', 'occurredAt', 'receivedAt', 'context'] as const;

/** Writes checked events (profile ids resolved) in one statement, the rows as one JSON parameter; returns the number actually inserted. */
export async function insertEvents(db: Database, workspaceId: string, rows: ReadonlyArray<CheckedEvent & { profileId: string }>, now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  // In event id order, so that concurrent batches replaying the same ids never wait on each other in a cycle.
  const sorted = [...rows].sort((x, y) => (x.eventId < y.eventId ? -1 : x.eventId > y.eventId ? 1 : 0)).map((e) => ({ ...e, workspaceId, receivedAt: now }));
  const { rows: inserted } = await db.execute<{ profile_id: string; name: string; event_id: string }>(sql`
    insert into ${events} (${columnList(events, EVENT_COLUMNS)})
    select ${columnList(events, EVENT_COLUMNS, 'r')} from ${jsonRows(events, EVENT_COLUMNS, sorted)} order by r.ordinality
    on conflict (workspace_id, event_id) do nothing
    returning profile_id, name, event_id`);
  const stored = new Set(inserted.map((e) => e.event_id));
  await recordSeen(db, workspaceId, summariseSeen(rows.filter((r) => stored.has(r.eventId))));
  const purchasers = inserted.filter((e) => e.name === PURCHASE_EVENT).map((e) => e.profile_id);
  await recomputePurchases(db, workspaceId, purchasers, now);
  return inserted.length;
}

export async function trackEvents(db: Database, workspaceId: string, inputs: readonly TrackEventData[], now = new Date(), wait: MembershipWait = {}): Promise<TrackResult> {
  if (inputs.length > MAX_EVENT_BATCH) throwProblems([{ path: 'events', message: `at most ${MAX_EVENT_BATCH} events in one batch, not ${inputs.length}` }]);
  const { events: checked, problems } = checkEvents(inputs, now);
  if (problems.length > 0) throwProblems(problems);
  if (checked.length === 0) return { accepted: 0, duplicates: 0, erased: 0, erasedEventIds: [] };
  const hash = await tombstoneHash(db);

  let changed: string[] = [];
  const result = await inTransaction(db, async (tx) => {
    // Every profile of the batch, known or created now (never an erased one), locked first (profile-locks.ts).
    const externalIds = checked.flatMap((e) => (e.externalId ? [e.externalId] : []));
    const givenIds = checked.flatMap((e) => (e.profileId ? [e.profileId] : []));
    const { rows: locked, erased } = await lockLivingProfiles(tx, workspaceId, { externalIds, ids: givenIds }, now, hash);
    const byExternal = new Map(locked.flatMap((r) => (r.externalId === null ? [] : [[r.externalId, r.id] as const])));
    const refused = checked.filter((e) => e.externalId !== null && erased.has(e.externalId));
    const knownIds = new Set(locked.map((r) => r.id));
    const index = checked.findIndex((e) => e.profileId !== null && !knownIds.has(e.profileId));
    if (index >= 0) throw new NotFoundError(`events[${index}].profileId: no profile with id ${checked[index]!.profileId}`);
    // One event id once: the first occurrence in the batch wins, later ones are duplicates.
    const seen = new Set<string>();
    const rows = checked
      .filter((e) => e.externalId === null || !erased.has(e.externalId))
      .filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)))
      .map((e) => ({ ...e, profileId: e.profileId ?? byExternal.get(e.externalId!)! }));
    const accepted = await insertEvents(tx, workspaceId, rows, now);
    changed = rows.map((r) => r.profileId);
    await profilesChanged(tx, workspaceId, changed, now);
    return { accepted, duplicates: inputs.length - accepted - refused.length, erased: refused.length, erasedEventIds: refused.map((e) => e.eventId) };
  });
  await profileChangesCommitted(db, workspaceId, changed, now, wait);
  return result;
}
