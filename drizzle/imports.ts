import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/** One line's problem in an import's report: the physical line (1-based), the field path and the message. */
export interface ImportLineError {
  line: number;
  path: string;
  message: string;
}

/**
 * A bulk import (api/imports): its progress while it runs (updated in the transaction of every
 * chunk it commits, so the counts are what is committed) and its report when it is over: the first
 * MAX_REPORTED_ERRORS line errors (api/imports/import-record.ts), counted beyond that.
 */
export const imports = pgTable(
  'imports',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** 'profiles' or 'events'. */
    type: text('type').notNull(),
    /** 'ndjson' or 'csv'. */
    format: text('format').notNull(),
    /**
     * 'running', 'done' or 'failed' (the body ended early, was too large, the database failed, or the
     * process died: a running import's heartbeat, updated_at, stopped; see getImport).
     */
    status: text('status').notNull().default('running'),
    /** Physical lines read and handled (committed or rejected) so far. */
    linesRead: integer('lines_read').notNull().default(0),
    /** Lines whose row was committed (profiles merged, events stored or found already stored). */
    accepted: integer('accepted').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    /** Profiles this import created (profiles: from lines; events: for unknown externalIds). */
    created: integer('created').notNull().default(0),
    /** Events whose id was already stored (a re-sent file) or repeated within the file. */
    duplicates: integer('duplicates').notNull().default(0),
    errors: jsonb('errors').$type<ImportLineError[]>().notNull().default([]),
    /** Why it failed, in plain words; null unless failed. */
    failure: text('failure'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    /** The last progress or heartbeat (renewed every IMPORT_LIMITS.heartbeatMs while running). */
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [index('imports_workspace_created_idx').on(t.workspaceId, t.createdAt)],
);

export type ImportRow = typeof imports.$inferSelect;
