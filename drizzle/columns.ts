import { timestamp } from 'drizzle-orm/pg-core';

/**
 * timestamptz(3): instants at millisecond precision, exactly what a JavaScript Date holds, so a
 * value read back compares equal to the one written (keyset cursors, rule evaluation in ms).
 */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
