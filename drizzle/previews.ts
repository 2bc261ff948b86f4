import { sql } from 'drizzle-orm';
import { customType, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/** A PostgreSQL 64-bit transaction id (`xid8`), read as text. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

/**
 * Workspaces whose profiles an API process holds in memory for exact live counts (api/segments/preview):
 * one row per (workspace, process), kept alive by use. While a workspace has a row whose `until` lies
 * ahead, the triggers of migration 0015 log every profile whose row or events change.
 */
export const previewWatches = pgTable(
  'preview_watches',
  {
    workspaceId: uuid('workspace_id').notNull(),
    /** The process holding the copy (random per process). */
    holder: text('holder').notNull(),
    until: timestamptz('until').notNull(),
    /** The oldest transaction the holder's copy may not have seen: changes before it are pruned. */
    horizon: xid8('horizon').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.holder] })],
);

/**
 * Profiles changed while their workspace was watched, with the writing transaction: a holder re-reads
 * those whose transaction its copy did not see (`not pg_visible_in_snapshot(xid, snapshot)`). Written
 * only by triggers (so every write path is covered, bulk loads and cascaded deletes included) and
 * pruned by the holders.
 */
export const previewChanges = pgTable(
  'preview_changes',
  {
    workspaceId: uuid('workspace_id').notNull(),
    profileId: uuid('profile_id').notNull(),
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [index('preview_changes_workspace_xid_idx').on(t.workspaceId, t.xid)],
);
