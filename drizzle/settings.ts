import { pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/** Server-wide values kept in the database, such as the erasure key of a dev database without ERASURE_KEY. */
export const settings = pgTable('settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});
