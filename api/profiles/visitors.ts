/**
 * Attaching edge visitor ids to a profile. A visitor id already attached to an anonymous profile
 * (one the edge created before the person was identified) is moved, and that anonymous profile's
 * events (and edge reach) come along, so page views made before identification count for the person; the emptied
 * anonymous profile is removed. A visitor id of another identified profile is simply re-attached.
 */
import { and, eq, inArray, isNull, notExists, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { events, profiles, profileVisitors } from '../../drizzle/index.js';
import { recomputePurchases } from '../events/purchases.js';
import { moveEdgeReach } from '../events/edge-reach.js';

export async function attachVisitors(db: Database, workspaceId: string, links: ReadonlyArray<{ visitorId: string; profileId: string }>, now: Date): Promise<void> {
  if (links.length === 0) return;
  // In visitor id order, so that concurrent writers of the same visitors never wait in a cycle.
  const unique = [...new Map(links.map((l) => [l.visitorId, l])).values()].sort((a, b) => (a.visitorId < b.visitorId ? -1 : a.visitorId > b.visitorId ? 1 : 0));
  const current = await db
    .select({ visitorId: profileVisitors.visitorId, profileId: profileVisitors.profileId, externalId: profiles.externalId })
    .from(profileVisitors)
    .innerJoin(profiles, eq(profiles.id, profileVisitors.profileId))
    .where(and(eq(profileVisitors.workspaceId, workspaceId), inArray(profileVisitors.visitorId, unique.map((l) => l.visitorId))));
  const target = new Map(unique.map((l) => [l.visitorId, l.profileId]));
  const anonymous = new Map<string, string>();
  for (const c of current) {
    const to = target.get(c.visitorId)!;
    if (c.externalId === null && c.profileId !== to) anonymous.set(c.profileId, to);
  }
  await db
    .insert(profileVisitors)
    .values(unique.map((l) => ({ workspaceId, visitorId: l.visitorId, profileId: l.profileId, createdAt: now })))
    .onConflictDoUpdate({ target: [profileVisitors.workspaceId, profileVisitors.visitorId], set: { profileId: sql`excluded.profile_id` } });
  for (const [from, to] of anonymous) {
    await db.update(events).set({ profileId: to }).where(eq(events.profileId, from));
    await moveEdgeReach(db, from, to);
    await db
      .delete(profiles)
      .where(
        and(
          eq(profiles.id, from),
          isNull(profiles.externalId),
          notExists(db.select({ one: sql`1` }).from(profileVisitors).where(eq(profileVisitors.profileId, from))),
        ),
      );
  }
  if (anonymous.size > 0) await recomputePurchases(db, workspaceId, [...new Set(anonymous.values())], now);
}
