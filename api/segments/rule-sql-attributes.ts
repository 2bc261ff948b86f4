/**
 * SQL for each attribute of a stored profile, mirroring schema/profile.ts `profileAttributes`.
 * Stored columns come out as what they are (so that comparisons stay on the column and can use its
 * index): an integer, a float8, a timestamptz(3) instant, with whether the column can be NULL.
 * Derived values (days since the last purchase, overdue ratio, reachability) are float8 / boolean
 * expressions; traits and event properties are jsonb, which the rule compiler narrows by JSON type.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { profiles } from '../../drizzle/index.js';
import { TRAITS_PREFIX } from '../../schema/attributes.js';
import { PROFILE_GEO_FIELDS } from '../../schema/profile.js';
import { DAY_MS } from '../../schema/rule.js';

/**
 * An attribute in SQL:
 * - `json`: a jsonb value (SQL NULL or JSON null = missing);
 * - `integer` / `float`: a numeric column, compared as float64 (`nullable`: NULL = missing);
 * - `instant`: a timestamptz(3) column, compared as epoch milliseconds (`nullable`: NULL = missing);
 * - `typed`: a float8, boolean or text expression (`nullable`: NULL = missing);
 * - `missing`: never present.
 */
export type AttrSql =
  | { kind: 'json'; expr: SQL }
  | { kind: 'integer' | 'float' | 'instant'; expr: SQL; nullable: boolean }
  | { kind: 'typed'; expr: SQL; nullable: boolean }
  | { kind: 'missing' };

/** Epoch milliseconds of a timestamptz, truncated to the millisecond as JavaScript sees it. */
export const epochMs = (column: SQL | AnyPgColumn) => sql`floor(extract(epoch from ${column}) * 1000)::float8`;

/**
 * The instant of an evaluation: epoch milliseconds, or a float8 SQL expression of them (a bind
 * parameter), so that a statement's text does not depend on the clock and can be prepared once.
 */
export type Now = number | SQL;

/** `now` as a float8 SQL expression. */
export const nowMs = (now: Now): SQL => (typeof now === 'number' ? sql`${now}::float8` : now);

/** Whole days since the last purchase at `now` (negative when it lies in the future). */
export const daysSinceLastSql = (now: Now) => sql`floor((${nowMs(now)} - ${epochMs(profiles.lastPurchaseAt)}) / ${DAY_MS}::float8)`;

/** Whether the profile row has a stored address (schema/profile.ts `hasStoredAddress`). */
const hasAddress = sql`(${profiles.country} is not null or ${profiles.region} is not null or ${profiles.city} is not null or ${profiles.postalCode} is not null)`;

const SEEN_COLUMNS = {
  'geo.country': profiles.seenCountry,
  'geo.region': profiles.seenRegion,
  'geo.city': profiles.seenCity,
  'geo.postalCode': profiles.seenPostalCode,
  'geo.continent': profiles.seenContinent,
  'geo.timezone': profiles.seenTimezone,
} as const;
const ADDRESS_COLUMNS = { country: profiles.country, region: profiles.region, city: profiles.city, postalCode: profiles.postalCode } as const;

/**
 * `geo.*` on a profile, as schema/profile.ts `profileGeo`: the stored address when the profile has
 * one (a field it lacks is NULL), else the last seen edge geography. A text expression, NULL = missing.
 */
const GEO_SQL = new Map<string, AttrSql>(
  PROFILE_GEO_FIELDS.map(([path, field]) => {
    const fromAddress = field === null ? sql`null::text` : sql`${ADDRESS_COLUMNS[field]}`;
    return [path, { kind: 'typed', expr: sql`(case when ${hasAddress} then ${fromAddress} else ${SEEN_COLUMNS[path]} end)`, nullable: true }];
  }),
);

const column = (kind: 'integer' | 'float' | 'instant', col: AnyPgColumn, nullable: boolean): AttrSql => ({ kind, expr: sql`${col}`, nullable });

/**
 * The SQL of one attribute path for the `profiles` row in scope at instant `now`. Edge attributes
 * have no stored value on a profile and are missing, but for `geo.*` (the stored address, else the
 * last seen edge geography).
 * @example profileAttributeSql('purchases.count', Date.now()); // { kind: 'integer', expr: "profiles"."purchase_count", nullable: false }
 */
export function profileAttributeSql(path: string, now: Now): AttrSql {
  if (path.startsWith(TRAITS_PREFIX)) {
    return { kind: 'json', expr: sql`(${profiles.traits} -> ${path.slice(TRAITS_PREFIX.length)}::text)` };
  }
  switch (path) {
    case 'purchases.count':
      return column('integer', profiles.purchaseCount, false);
    case 'purchases.total':
      return column('float', profiles.purchaseTotal, false);
    case 'purchases.first':
      return column('instant', profiles.firstPurchaseAt, true);
    case 'purchases.last':
      return column('instant', profiles.lastPurchaseAt, true);
    case 'purchases.avgIntervalDays':
      return column('float', profiles.avgIntervalDays, true);
    case 'purchases.daysSinceLast':
      return { kind: 'typed', expr: daysSinceLastSql(now), nullable: true };
    case 'purchases.overdueRatio':
      return {
        kind: 'typed',
        expr: sql`(case when ${profiles.avgIntervalDays} > 0 then ${daysSinceLastSql(now)} / ${profiles.avgIntervalDays}::float8 end)`,
        nullable: true,
      };
    case 'profile.createdAt':
      return column('instant', profiles.createdAt, false);
    case 'reachable.email':
      // Never NULL: `x is not null and ...` is false when x is NULL.
      return { kind: 'typed', expr: sql`(${profiles.email} is not null and ${profiles.email} <> '' and ${profiles.consentEmail})`, nullable: false };
    case 'reachable.phone':
      return { kind: 'typed', expr: sql`(${profiles.phone} is not null and ${profiles.phone} <> '' and ${profiles.consentSms})`, nullable: false };
    default:
      return GEO_SQL.get(path) ?? { kind: 'missing' };
  }
}
