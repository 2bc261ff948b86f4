import { jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/** The compiled edge ruleset of a workspace, rewritten on every publish and archive. */
export const rulesets = pgTable('rulesets', {
  workspaceId: uuid('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  version: text('version').notNull(),
  etag: text('etag').notNull(),
  body: jsonb('body').$type<unknown>().notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

export type RulesetRow = typeof rulesets.$inferSelect;
