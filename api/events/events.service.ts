/**
 * trackEvents: a batch of up to 1,000 events, all checked first (nothing written on any problem),
 * then written in one transaction. Replayed event ids are ignored and counted as duplicates.
 * An unknown externalId creates a profile with that externalId (events often arrive before the
 * profile does), unless it was erased: its events are refused one by one (counted and named as
 * erased, the rest of the batch is written) and nothing is created. An unknown profileId is NOT_FOUND. Purchase columns are recomputed for the
 * profiles that got purchase events, then the touched profiles are re-evaluated.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { NotFoundError } from '../errors.js';
import { events, profiles } from '../../drizzle/index.js';
import { refreshProfiles } from '../segments/membership.service.js';
import { throwProblems } from '../profiles/upsert.service.js';
import { checkEvents, type CheckedEvent, type TrackEventData } from './event-input.js';
import { PURCHASE_EVENT, recomputePurchases } from './purchases.js';
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

/** Profile ids by externalId, creating the missing profiles except the erased ones (returned apart). */
export async function profilesByExternalId(
  db: Database,
  workspaceId: string,
  externalIds: readonly string[],
  now: Date,
  hash: TombstoneHash,
): Promise<{ found: Map<string, string>; erased: Set<string> }> {
  const wanted = [...new Set(externalIds)];
  const found = new Map<string, string>();
  if (wanted.length === 0) return { found, erased: new Set() };
  const select = () =>
    db
      .select({ id: profiles.id, externalId: profiles.externalId })
      .from(profiles)
      .where(and(eq(profiles.workspaceId, workspaceId), inArray(profiles.externalId, wanted)));
  for (const r of await select()) found.set(r.externalId!, r.id);
  const unknown = wanted.filter((id) => !found.has(id));
  const erased = await tombstoned(db, workspaceId, hash, unknown);
  const missing = unknown.filter((id) => !erased.has(id));
  if (missing.length > 0) {
    await db
      .insert(profiles)
      .values(missing.map((externalId) => ({ workspaceId, externalId, createdAt: now, updatedAt: now })))
      .onConflictDoNothing();
    for (const r of await select()) found.set(r.externalId!, r.id);
  }
  return { found, erased };
}

/** Writes checked events (profile ids resolved); returns the number actually inserted. */
export async function insertEvents(db: Database, workspaceId: string, rows: ReadonlyArray<CheckedEvent & { profileId: string }>, now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(events)
    .values(rows.map((e) => ({ workspaceId, eventId: e.eventId, profileId: e.profileId, name: e.name, properties: e.properties, occurredAt: e.occurredAt, receivedAt: now })))
    .onConflictDoNothing({ target: [events.workspaceId, events.eventId] })
    .returning({ profileId: events.profileId, name: events.name });
  const purchasers = inserted.filter((e) => e.name === PURCHASE_EVENT).map((e) => e.profileId);
  await recomputePurchases(db, workspaceId, purchasers, now);
  return inserted.length;
}

export async function trackEvents(db: Database, workspaceId: string, inputs: readonly TrackEventData[], now = new Date()): Promise<TrackResult> {
  if (inputs.length > MAX_EVENT_BATCH) throwProblems([{ path: 'events', message: `at most ${MAX_EVENT_BATCH} events in one batch, not ${inputs.length}` }]);
  const { events: checked, problems } = checkEvents(inputs, now);
  if (problems.length > 0) throwProblems(problems);
  if (checked.length === 0) return { accepted: 0, duplicates: 0, erased: 0, erasedEventIds: [] };
  const hash = await tombstoneHash(db);

  return db.transaction(async (tx) => {
    const ofExternal = await profilesByExternalId(tx, workspaceId, checked.flatMap((e) => (e.externalId ? [e.externalId] : [])), now, hash);
    const byExternal = ofExternal.found;
    const refused = checked.filter((e) => e.externalId !== null && ofExternal.erased.has(e.externalId));
    const givenIds = [...new Set(checked.flatMap((e) => (e.profileId ? [e.profileId] : [])))];
    if (givenIds.length > 0) {
      const known = await tx
        .select({ id: profiles.id })
        .from(profiles)
        .where(and(eq(profiles.workspaceId, workspaceId), inArray(profiles.id, givenIds)));
      const knownIds = new Set(known.map((r) => r.id));
      const index = checked.findIndex((e) => e.profileId !== null && !knownIds.has(e.profileId));
      if (index >= 0) throw new NotFoundError(`events[${index}].profileId: no profile with id ${checked[index]!.profileId}`);
    }
    // One event id once: the first occurrence in the batch wins, later ones are duplicates.
    const seen = new Set<string>();
    const rows = checked
      .filter((e) => e.externalId === null || !ofExternal.erased.has(e.externalId))
      .filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)))
      .map((e) => ({ ...e, profileId: e.profileId ?? byExternal.get(e.externalId!)! }));
    const accepted = await insertEvents(tx, workspaceId, rows, now);
    await refreshProfiles(tx, workspaceId, [...new Set(rows.map((r) => r.profileId))], now.getTime());
    return { accepted, duplicates: inputs.length - accepted - refused.length, erased: refused.length, erasedEventIds: refused.map((e) => e.eventId) };
  });
}
