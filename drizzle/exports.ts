import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { segments } from './segments.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

export const exportDestination = pgEnum('export_destination', ['META', 'GOOGLE', 'GENERIC']);
export const exportFormat = pgEnum('export_format', ['CSV', 'JSONL']);
export const exportMode = pgEnum('export_mode', ['FULL', 'DELTA']);
export const exportStatus = pgEnum('export_status', ['queued', 'running', 'done', 'failed']);
export const exportRowAction = pgEnum('export_row_action', ['add', 'remove']);

/** An audience export of one segment to one destination; built in the background, downloaded when done. */
export const audienceExports = pgTable(
  'audience_exports',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    destination: exportDestination('destination').notNull(),
    format: exportFormat('format').notNull(),
    mode: exportMode('mode').notNull(),
    status: exportStatus('status').notNull().default('queued'),
    /** Members processed so far, of `rowsTotal` (progress). */
    rowsDone: integer('rows_done').notNull().default(0),
    rowsTotal: integer('rows_total').notNull().default(0),
    /** Rows of the file (adds and removes), final once done. */
    rowCount: integer('row_count').notNull().default(0),
    /** Counts per reason: 'no-identifier' (row skipped) and 'invalid:<COLUMN>' (value dropped). */
    skippedInvalid: jsonb('skipped_invalid').$type<Record<string, number>>().notNull().default({}),
    /** The done export of the same segment and destination a DELTA is computed against. */
    previousExportId: uuid('previous_export_id').references((): AnyPgColumn => audienceExports.id, { onDelete: 'set null' }),
    /** Why it failed, in plain words; null unless failed. */
    error: text('error'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    /** Heartbeat: touched by the build every HEARTBEAT_MS (api/exports/build.ts), so a build that died with its process is recognisable. */
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    index('audience_exports_previous_idx').on(t.workspaceId, t.segmentId, t.destination, t.finishedAt),
    // At most one export of a segment to a destination in progress: a second request reuses it.
    uniqueIndex('audience_exports_one_active_uq')
      .on(t.segmentId, t.destination)
      .where(sql`${t.status} in ('queued', 'running')`),
  ],
);

/**
 * What an export holds per profile: the audience the destination has after it (`add`) and the
 * people it removes (`remove`), with the formatted cells as sent (without the DELTA `action` cell),
 * so a download replays exactly and a later DELTA can remove someone who has since been erased.
 * `sent` is false for members a DELTA carries over unchanged (held by the destination, not in its file).
 *
 * Retention: the cells are the destination's own form - e-mail, phone, names, city, region and Meta's
 * ZIP/COUNTRY only as SHA-256 hashes, never raw; what platforms take in clear (MADID, Google's
 * Country and Zip, the GENERIC file's profile, external and visitor ids, META EXTERN_ID, which Meta
 * wants unhashed) stays as sent. An erasure deletes every row of the person at once (and lowers the
 * exports' row counts); the removal the next DELTA sends is kept in exportErasureRemovals, hashed only.
 */
export const audienceExportRows = pgTable(
  'audience_export_rows',
  {
    /**
     * No foreign key (its check per row was a fifth of a build's insert): the rows of an export are
     * deleted with it by the trigger `audience_exports_delete_rows` (migration 0009).
     */
    exportId: uuid('export_id').notNull(),
    /** No foreign key (the profile may leave while its row is read); a DELTA's erasure removal has a random id here. */
    profileId: uuid('profile_id').notNull(),
    action: exportRowAction('action').notNull(),
    sent: boolean('sent').notNull(),
    /**
     * The cells as a JSON array (JSON.stringify's form), kept as text: what a later DELTA compares
     * (a member whose cells changed is removed with the old cells and added with the new) and the
     * only identifiers left of an erased member.
     */
    cells: text('cells').notNull(),
    /** The encoded line of the file (CSV or JSONL, with the DELTA action), written by the build; null when not sent, or built before this column. */
    line: text('line'),
    joinedAt: timestamptz('joined_at'),
  },
  (t) => [
    // A DELTA may both remove (old cells) and add (new cells) one profile whose identifiers changed.
    primaryKey({ columns: [t.exportId, t.profileId, t.action] }),
    index('audience_export_rows_sent_idx').on(t.exportId, t.profileId, t.action).where(sql`${t.sent}`),
  ],
);

/**
 * The removal an erasure leaves for the next DELTA of each segment to each destination the person
 * was exported to: the cells of their last add with every raw identifier blanked (hashes only, see
 * api/exports/erasure.ts) under a random row id, not the profile's. A DELTA build copies it into its
 * file and marks itself as the carrier; the next export of that segment to that destination deletes
 * both the record and that removal row, so nothing of the person is left but the tombstone.
 */
export const exportErasureRemovals = pgTable(
  'export_erasure_removals',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    destination: exportDestination('destination').notNull(),
    /** The cells of the removal (JSON text, as audience_export_rows.cells): hashed identifiers only. */
    cells: text('cells').notNull(),
    /** The DELTA whose file carries the removal; null until one is built. */
    carriedBy: uuid('carried_by').references(() => audienceExports.id, { onDelete: 'cascade' }),
  },
  (t) => [index('export_erasure_removals_chain_idx').on(t.segmentId, t.destination)],
);

export type AudienceExportRow = typeof audienceExports.$inferSelect;
export type AudienceExportSnapshotRow = typeof audienceExportRows.$inferSelect;
