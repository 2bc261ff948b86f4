import { index, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { profiles } from './profiles.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

export const events = pgTable(
  'events',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The client's idempotency id: a replay with the same id is a duplicate. */
    eventId: text('event_id').notNull(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamptz('occurred_at').notNull(),
    /**
     * For a page view the edge reported: the request's geography and device as the Worker read them
     * ({ geo: EdgeGeo, device: EdgeDevice }), what previews of edge rules evaluate against
     * (api/segments/edge-preview.ts). Null for every other event.
     */
    context: jsonb('context').$type<{ geo?: Record<string, string>; device?: Record<string, string> }>(),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
  },
  (t) => [
    unique('events_workspace_event_uq').on(t.workspaceId, t.eventId),
    index('events_profile_name_occurred_idx').on(t.profileId, t.name, t.occurredAt),
    // Event counts over a workspace (segment sizes and recomputes): one range of the index per
    // event name and window, read without the table (profile_id is in the index).
    index('events_workspace_name_occurred_idx').on(t.workspaceId, t.name, t.occurredAt, t.profileId),
  ],
);

export type EventRow = typeof events.$inferSelect;
