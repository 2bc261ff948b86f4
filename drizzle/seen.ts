import { bigint, index, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/**
 * What a workspace has actually tracked: one row per event name, kept up to date by the writers of
 * `events` (one statement per batch, api/events/seen.ts), never recounted from the events table.
 * `count` is the number of stored events of that name (erasure takes its events off again).
 */
export const seenEvents = pgTable(
  'seen_events',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    lastSeenAt: timestamptz('last_seen_at').notNull(),
    /** When the catalogue first heard of the name: the immutable order of the eventNames listing. */
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [unique('seen_events_workspace_name_uq').on(t.workspaceId, t.name), index('seen_events_listing_idx').on(t.workspaceId, t.createdAt, t.id)],
);

/** The top-level property names seen on each event name, with how many events had them. */
export const seenEventProperties = pgTable(
  'seen_event_properties',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    property: text('property').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    lastSeenAt: timestamptz('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ name: 'seen_event_properties_pk', columns: [t.workspaceId, t.event, t.property] })],
);

/**
 * Values of enum-like edge attributes seen in page views (the utm_* parameters of their URLs), at
 * most SEEN_VALUES_PER_ATTRIBUTE distinct values per attribute and workspace.
 */
export const seenValues = pgTable(
  'seen_values',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    attr: text('attr').notNull(),
    value: text('value').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    lastSeenAt: timestamptz('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ name: 'seen_values_pk', columns: [t.workspaceId, t.attr, t.value] })],
);

export type SeenEventRow = typeof seenEvents.$inferSelect;
