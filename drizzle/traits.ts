import { pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

export const traitType = pgEnum('trait_type', ['string', 'number', 'boolean', 'date', 'stringList']);

export const traitDefinitions = pgTable(
  'trait_definitions',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: traitType('type').notNull(),
    description: text('description'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [unique('trait_definitions_workspace_name_uq').on(t.workspaceId, t.name)],
);

export type TraitDefinitionRow = typeof traitDefinitions.$inferSelect;
