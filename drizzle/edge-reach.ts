import { date, index, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { profiles } from './profiles.js';
import { segments } from './segments.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/**
 * Who the edge tagged with which segment, per UTC day: one row per segment, day and visitor (the
 * visitor's profile), with the last page view of that day that carried the tag. Written with every
 * batch of page views the Worker reports (api/events/edge-reach.ts); what `Segment.edgeReach`
 * counts (distinct visitors over the last 1, 7 and 30 days) and edge health reads. Rows older than
 * EDGE_REACH_KEEP_DAYS are pruned by the periodic `prune-edge-reach` task.
 */
export const edgeReach = pgTable(
  'edge_reach',
  {
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    lastAt: timestamptz('last_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.segmentId, t.day, t.profileId] }),
    // Erasure and visitor merges find a profile's rows; pruning finds old days.
    index('edge_reach_profile_idx').on(t.profileId),
    index('edge_reach_day_idx').on(t.day),
  ],
);
