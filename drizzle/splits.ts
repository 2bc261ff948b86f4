import { jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import type { SplitVariant } from '../schema/split.js';
import { segments } from './segments.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/**
 * A/B split definitions inside a segment. Immutable once defined: changing the variants of a
 * running test would move members between them, so a new test is a new split.
 */
export const segmentSplits = pgTable(
  'segment_splits',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** In order: variant i owns the i-th range of hash values (schema/split.ts). */
    variants: jsonb('variants').$type<SplitVariant[]>().notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [unique('segment_splits_segment_name_uq').on(t.segmentId, t.name)],
);

export type SegmentSplitRow = typeof segmentSplits.$inferSelect;
