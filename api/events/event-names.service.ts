/** The eventNames listing: the seen catalogue (seen.ts) read page by page, properties batched. */
import DataLoader from 'dataloader';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { memoized, type RequestContext } from '../context.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { seenEvents } from '../../drizzle/index.js';
import type { EventNameType, EventPropertyType } from './event-names.type.js';

/** Properties listed per event name, most frequent first. */
export const MAX_LISTED_PROPERTIES = 1000;

type EventNameRow = EventNameType & { id: string };

export async function listEventNames(db: Database, workspaceId: string, page: PageRequest): Promise<Connection<EventNameRow>> {
  const rows = await db
    .select({ id: seenEvents.id, name: seenEvents.name, count: seenEvents.count, lastSeenAt: seenEvents.lastSeenAt, firstTrackedAt: seenEvents.createdAt })
    .from(seenEvents)
    .where(and(eq(seenEvents.workspaceId, workspaceId), afterPosition(seenEvents.createdAt, seenEvents.id, page.after, 'asc')))
    .orderBy(asc(seenEvents.createdAt), asc(seenEvents.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.firstTrackedAt, id: r.id }));
}

/** The properties of event names, one query for every name of the response. */
export function eventProperties(ctx: RequestContext, workspaceId: string): DataLoader<string, EventPropertyType[]> {
  return memoized(ctx, 'events.properties', () =>
    new DataLoader<string, EventPropertyType[]>(async (names) => {
      const { rows } = await ctx.db.execute<{ event: string; name: string; count: string | number; last_seen_at: string | Date }>(sql`
        select event, property as name, count, last_seen_at from (
          select p.*, row_number() over (partition by p.event order by p.count desc, p.property) as rank
          from seen_event_properties p where p.workspace_id = ${workspaceId}::uuid and p.event = any(${sql.param([...names])}::text[])) x
        where rank <= ${MAX_LISTED_PROPERTIES} order by event, count desc, property`);
      const byEvent = new Map<string, EventPropertyType[]>();
      for (const r of rows) {
        if (!byEvent.has(r.event)) byEvent.set(r.event, []);
        byEvent.get(r.event)!.push({ name: r.name, count: Number(r.count), lastSeenAt: new Date(r.last_seen_at) });
      }
      return names.map((n) => byEvent.get(n) ?? []);
    }),
  );
}
