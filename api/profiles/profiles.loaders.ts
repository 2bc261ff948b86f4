/**
 * Per-request DataLoaders of profile fields: published segment memberships, visitor ids and
 * event pages, each batched into one query per request (no N+1).
 */
import DataLoader from 'dataloader';
import { and, asc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { memoized, type RequestContext } from '../context.js';
import { events, profileVisitors, segmentMembers, segments, type EventRow, type SegmentRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type KeysetPosition } from '../graphql/connection.js';

export interface EventPageKey {
  profileId: string;
  first: number;
  after: KeysetPosition | null;
  name: string | null;
}

export function segmentsOfProfile(ctx: RequestContext): DataLoader<string, SegmentRow[]> {
  return memoized(ctx, 'profiles.segments', () =>
    new DataLoader<string, SegmentRow[]>(async (ids) => {
      const rows = await ctx.db
        .select({ profileId: segmentMembers.profileId, segment: segments })
        .from(segmentMembers)
        .innerJoin(segments, eq(segments.id, segmentMembers.segmentId))
        .where(and(inArray(segmentMembers.profileId, [...ids]), eq(segments.status, 'published')))
        .orderBy(asc(segments.slug));
      return ids.map((id) => rows.filter((r) => r.profileId === id).map((r) => r.segment));
    }),
  );
}

export function visitorIdsOfProfile(ctx: RequestContext): DataLoader<string, string[]> {
  return memoized(ctx, 'profiles.visitorIds', () =>
    new DataLoader<string, string[]>(async (ids) => {
      const rows = await ctx.db
        .select({ profileId: profileVisitors.profileId, visitorId: profileVisitors.visitorId })
        .from(profileVisitors)
        .where(inArray(profileVisitors.profileId, [...ids]))
        .orderBy(asc(profileVisitors.createdAt), asc(profileVisitors.visitorId));
      return ids.map((id) => rows.filter((r) => r.profileId === id).map((r) => r.visitorId));
    }),
  );
}

/** Event pages, newest first; keys that ask for the same page shape share one windowed query. */
export function eventsOfProfile(ctx: RequestContext): DataLoader<EventPageKey, Connection<EventRow>, string> {
  return memoized(ctx, 'profiles.events', () =>
    new DataLoader<EventPageKey, Connection<EventRow>, string>(
      async (keys) => {
        const groups = new Map<string, EventPageKey[]>();
        for (const key of keys) {
          const shape = JSON.stringify([key.first, key.after?.at.getTime() ?? null, key.after?.id ?? null, key.name]);
          groups.set(shape, [...(groups.get(shape) ?? []), key]);
        }
        const pages = new Map<string, Connection<EventRow>>();
        for (const group of groups.values()) {
          const { first, after, name } = group[0]!;
          const ids = group.map((k) => k.profileId);
          const ranked = ctx.db
            .select({
              ...getTableColumns(events),
              rank: sql<number>`row_number() over (partition by ${events.profileId} order by ${events.occurredAt} desc, ${events.id} desc)`.as('rank'),
            })
            .from(events)
            .where(and(inArray(events.profileId, ids), name ? eq(events.name, name) : undefined, afterPosition(events.occurredAt, events.id, after, 'desc')))
            .as('ranked');
          const rows = await ctx.db.select().from(ranked).where(sql`${ranked.rank} <= ${first + 1}`);
          for (const key of group) {
            const mine = rows
              .map(({ rank: _rank, ...event }): EventRow => event)
              .filter((e) => e.profileId === key.profileId)
              .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : -1));
            pages.set(cacheKey(key), connectionFrom(mine, { first, after }, (e) => ({ at: e.occurredAt, id: e.id })));
          }
        }
        return keys.map((k) => pages.get(cacheKey(k))!);
      },
      { cacheKeyFn: cacheKey },
    ),
  );
}

function cacheKey(key: EventPageKey): string {
  return JSON.stringify([key.profileId, key.first, key.after?.at.getTime() ?? null, key.after?.id ?? null, key.name]);
}
