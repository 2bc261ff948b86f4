/**
 * SQL for each attribute of a stored profile, mirroring schema/profile.ts `profileAttributes`.
 * Typed columns (purchases, dates) come out as float8 / boolean expressions; traits and event
 * properties as jsonb, which the rule compiler narrows by JSON type.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { profiles } from '../../drizzle/index.js';
import { TRAITS_PREFIX } from '../../schema/attributes.js';
import { DAY_MS } from '../../schema/rule.js';

/** An attribute in SQL: a jsonb value, a typed expression (NULL = missing), or always missing. */
export type AttrSql = { kind: 'json'; expr: SQL } | { kind: 'typed'; expr: SQL } | { kind: 'missing' };

/** Epoch milliseconds of a timestamptz, truncated to the millisecond as JavaScript sees it. */
export const epochMs = (column: SQL | AnyPgColumn) => sql`floor(extract(epoch from ${column}) * 1000)::float8`;

/** Whole days since the last purchase at `now` (negative when it lies in the future). */
export const daysSinceLastSql = (now: number) => sql`floor((${now}::float8 - ${epochMs(profiles.lastPurchaseAt)}) / ${DAY_MS}::float8)`;

/**
 * The SQL of one attribute path for the `profiles` row in scope at instant `now`. Edge attributes
 * have no stored value on a profile and are missing.
 * @example profileAttributeSql('purchases.count', Date.now()); // { kind: 'typed', expr: "profiles"."purchase_count"::float8 }
 */
export function profileAttributeSql(path: string, now: number): AttrSql {
  if (path.startsWith(TRAITS_PREFIX)) {
    return { kind: 'json', expr: sql`(${profiles.traits} -> ${path.slice(TRAITS_PREFIX.length)}::text)` };
  }
  const typed = (expr: SQL): AttrSql => ({ kind: 'typed', expr });
  switch (path) {
    case 'purchases.count':
      return typed(sql`${profiles.purchaseCount}::float8`);
    case 'purchases.total':
      return typed(sql`${profiles.purchaseTotal}::float8`);
    case 'purchases.first':
      return typed(epochMs(profiles.firstPurchaseAt));
    case 'purchases.last':
      return typed(epochMs(profiles.lastPurchaseAt));
    case 'purchases.avgIntervalDays':
      return typed(sql`${profiles.avgIntervalDays}::float8`);
    case 'purchases.daysSinceLast':
      return typed(daysSinceLastSql(now));
    case 'purchases.overdueRatio':
      return typed(
        sql`(case when ${profiles.avgIntervalDays} > 0 then ${daysSinceLastSql(now)} / ${profiles.avgIntervalDays}::float8 end)`,
      );
    case 'profile.createdAt':
      return typed(epochMs(profiles.createdAt));
    case 'reachable.email':
      return typed(sql`(${profiles.email} is not null and ${profiles.email} <> '' and ${profiles.consentEmail})`);
    case 'reachable.phone':
      return typed(sql`(${profiles.phone} is not null and ${profiles.phone} <> '' and ${profiles.consentSms})`);
    default:
      return { kind: 'missing' };
  }
}
