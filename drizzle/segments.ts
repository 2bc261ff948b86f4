import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import type { Scope } from '../schema/rule.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

const workspaceRef = () =>
  uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' });

export const segmentType = pgEnum('segment_type', ['dynamic', 'static']);
export const segmentStatus = pgEnum('segment_status', ['draft', 'published', 'archived']);

export const categories = pgTable(
  'categories',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: workspaceRef(),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [unique('categories_workspace_name_uq').on(t.workspaceId, t.name)],
);

export const segments = pgTable(
  'segments',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: workspaceRef(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    type: segmentType('type').notNull(),
    status: segmentStatus('status').notNull().default('draft'),
    /** The latest version number (optimistic concurrency: edits name the version they start from). */
    currentVersion: integer('current_version').notNull().default(1),
    publishedVersion: integer('published_version'),
    /** Scope of the published version ('edge' | 'profile'). */
    scope: text('scope').$type<Scope>().notNull().default('profile'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('segments_workspace_slug_uq').on(t.workspaceId, t.slug),
    index('segments_workspace_status_idx').on(t.workspaceId, t.status),
    // The listing's order and keyset cursor: a page is an index range, not a sort of the workspace's segments.
    index('segments_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
  ],
);

/** Immutable: a change of rule is a new row. */
export const segmentVersions = pgTable(
  'segment_versions',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    workspaceId: workspaceRef(),
    version: integer('version').notNull(),
    /** The RuleJson as written; null for a static segment (a list, no rule). */
    rule: jsonb('rule').$type<unknown>(),
    scope: text('scope').$type<Scope>().notNull(),
    /** Slugs of the segments this version references. */
    references: text('references').array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    publishedAt: timestamptz('published_at'),
  },
  (t) => [unique('segment_versions_segment_version_uq').on(t.segmentId, t.version)],
);

/**
 * Who is in a segment, since when. No foreign keys: a recompute writes millions of rows, and the
 * per-row checks of three foreign keys cost four fifths of each insert. Rows are only written from
 * profiles and segments just read in the same transaction; the cascades are triggers instead
 * (migration 0007): deleting a profile, segment or workspace deletes its memberships in the same
 * statement. A membership of a profile deleted while a recompute was running is removed by the
 * next recompute of a dynamic segment (it no longer matches).
 */
export const segmentMembers = pgTable(
  'segment_members',
  {
    segmentId: uuid('segment_id').notNull(),
    profileId: uuid('profile_id').notNull(),
    workspaceId: uuid('workspace_id').notNull(),
    joinedAt: timestamptz('joined_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.profileId] }), index('segment_members_profile_idx').on(t.profileId)],
);

export const segmentSizeHistory = pgTable(
  'segment_size_history',
  {
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    workspaceId: workspaceRef(),
    at: timestamptz('at').notNull().defaultNow(),
    size: integer('size').notNull(),
    /** Insertion order, to order points recorded at the same instant. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  },
  (t) => [index('segment_size_history_segment_at_idx').on(t.segmentId, t.at)],
);

/**
 * Profiles whose memberships are stale: a write marks them in its own transaction and the dirty
 * evaluator (api/segments/dirty-evaluator.ts) claims, evaluates and deletes them in its own. `since`
 * is the instant of the latest write that marked the profile (the claim order, and the lag). No
 * foreign keys, like segment_members: the hottest insert of the ingest path checks nothing else,
 * and a row of a deleted profile or workspace is simply claimed and dropped.
 */
export const dirtyProfiles = pgTable(
  'dirty_profiles',
  {
    workspaceId: uuid('workspace_id').notNull(),
    profileId: uuid('profile_id').notNull(),
    since: timestamptz('since').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.profileId] }), index('dirty_profiles_since_idx').on(t.workspaceId, t.since)],
);

export type CategoryRow = typeof categories.$inferSelect;
export type SegmentRow = typeof segments.$inferSelect;
export type SegmentVersionRow = typeof segmentVersions.$inferSelect;
export type SegmentMemberRow = typeof segmentMembers.$inferSelect;
export type SegmentSizeRow = typeof segmentSizeHistory.$inferSelect;
export type DirtyProfileRow = typeof dirtyProfiles.$inferSelect;

/**
 * The next instant at which any time-windowed condition of the workspace's published segments can
 * change for a profile (an event entering or leaving a window, a date crossing `now - days`, the days
 * since the last purchase crossing a bound): the periodic pass (api/segments/due.ts) evaluates only
 * the profiles whose instant has come. Written by every evaluation of the profile (refreshProfiles),
 * lowered on publish; no row: nothing time-dependent can change for it. Early is safe (an extra
 * evaluation), late would be a bug. Its own table, not a column of the heavily indexed profiles row.
 * No foreign key to profiles (a publish must not fail on a profile erased meanwhile): a row of a
 * deleted profile is dropped by the pass that claims it.
 */
export const profileDue = pgTable(
  'profile_due',
  {
    profileId: uuid('profile_id').primaryKey(),
    workspaceId: workspaceRef(),
    dueAt: timestamptz('due_at').notNull(),
  },
  (t) => [index('profile_due_workspace_due_idx').on(t.workspaceId, t.dueAt)],
);

/**
 * Workspaces whose profile_due rows cover every profile: the first periodic pass of a workspace
 * (after this table appeared, or for a new workspace) recomputes every segment and seeds them.
 */
export const profileDueSeeded = pgTable('profile_due_seeded', {
  workspaceId: uuid('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  seededAt: timestamptz('seeded_at').notNull().defaultNow(),
});
