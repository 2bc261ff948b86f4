import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

export const profiles = pgTable(
  'profiles',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The customer's id in the client's systems; null for an anonymous edge visitor. */
    externalId: text('external_id'),
    email: text('email'),
    /** As given by the client. */
    phone: text('phone'),
    /** E.164, when the number could be parsed (with `country` as the default region). */
    phoneE164: text('phone_e164'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    city: text('city'),
    region: text('region'),
    postalCode: text('postal_code'),
    /** ISO 3166-1 alpha-2, upper case. */
    country: text('country'),
    /**
     * The geography of the request of the latest page view the edge reported for an identified
     * visitor of this person (api/events/edge-events.service.ts), as the Worker read it; what
     * `geo.*` reads on a profile without a stored address (schema/profile.ts `profileGeo`).
     */
    seenCountry: text('seen_country'),
    seenRegion: text('seen_region'),
    seenCity: text('seen_city'),
    seenPostalCode: text('seen_postal_code'),
    seenContinent: text('seen_continent'),
    seenTimezone: text('seen_timezone'),
    /** When that page view happened: an older report never overwrites a newer one. */
    geoSeenAt: timestamptz('geo_seen_at'),
    /** Mobile advertising id (IDFA / GAID). */
    madid: text('madid'),
    traits: jsonb('traits').$type<Record<string, unknown>>().notNull().default({}),
    consentEmail: boolean('consent_email').notNull().default(false),
    consentSms: boolean('consent_sms').notNull().default(false),
    consentAds: boolean('consent_ads').notNull().default(false),
    purchaseCount: integer('purchase_count').notNull().default(0),
    purchaseTotal: doublePrecision('purchase_total').notNull().default(0),
    firstPurchaseAt: timestamptz('first_purchase_at'),
    lastPurchaseAt: timestamptz('last_purchase_at'),
    /** (last - first) / (count - 1) in days; null until the second purchase. */
    avgIntervalDays: doublePrecision('avg_interval_days'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // NULL external ids (anonymous visitors) do not collide: PostgreSQL treats NULLs as distinct.
    unique('profiles_workspace_external_uq').on(t.workspaceId, t.externalId),
    index('profiles_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    index('profiles_workspace_purchase_count_idx').on(t.workspaceId, t.purchaseCount),
    index('profiles_workspace_purchase_total_idx').on(t.workspaceId, t.purchaseTotal),
    index('profiles_workspace_last_purchase_idx').on(t.workspaceId, t.lastPurchaseAt),
    index('profiles_workspace_first_purchase_idx').on(t.workspaceId, t.firstPurchaseAt),
    index('profiles_workspace_avg_interval_idx').on(t.workspaceId, t.avgIntervalDays),
    index('profiles_traits_gin_idx').using('gin', t.traits.op('jsonb_path_ops')),
  ],
);

export const profileVisitors = pgTable(
  'profile_visitors',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    visitorId: text('visitor_id').notNull(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.visitorId] }), index('profile_visitors_profile_idx').on(t.profileId)],
);

/**
 * Tombstones of erased people: a keyed hash (HMAC-SHA256, api/profiles/tombstones.ts) of the
 * external id, never the id itself nor a plain hash of it (guessable ids would be reversible by
 * trying them). They stop event ingestion and the edge's reports from re-creating the profile; an
 * explicit upsertProfile removes the tombstone. Anonymous profiles leave none.
 */
export const profileTombstones = pgTable(
  'profile_tombstones',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** HMAC-SHA256 hex of the external id under the erasure key. */
    externalIdHmac: text('external_id_hmac').notNull(),
    erasedAt: timestamptz('erased_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.externalIdHmac] })],
);

/**
 * A profile's identifiers as each ad platform takes them, normalised and hashed once when the
 * profile is written (api/exports/identifiers.ts, with the pure functions of normalise.ts), so an
 * export is set-based SQL over these columns. Null: absent or invalid. `*_invalid` name the columns
 * whose input was given but unusable (counted by an export); `*_ok`: the row can be matched at all.
 * A change of any source column deletes the row (trigger `profiles_export_identifiers_stale`); a
 * profile without a row (written by another path, or before this table existed) is filled in by
 * the next export that needs it.
 */
export const profileExportIdentifiers = pgTable('profile_export_identifiers', {
  profileId: uuid('profile_id')
    .primaryKey()
    .references(() => profiles.id, { onDelete: 'cascade' }),
  /** SHA-256 of the trimmed lower-case e-mail: Meta EMAIL and GENERIC email_sha256. */
  emailSha256: text('email_sha256'),
  /** SHA-256 of the E.164 digits without '+': Meta PHONE. */
  metaPhone: text('meta_phone'),
  metaFn: text('meta_fn'),
  metaLn: text('meta_ln'),
  metaCt: text('meta_ct'),
  metaSt: text('meta_st'),
  metaZip: text('meta_zip'),
  metaCountry: text('meta_country'),
  /** Lower case, not hashed. */
  madid: text('madid'),
  googleEmail: text('google_email'),
  /** SHA-256 of E.164 with '+': Google Phone and GENERIC phone_sha256. */
  phoneE164Sha256: text('phone_e164_sha256'),
  googleFn: text('google_fn'),
  googleLn: text('google_ln'),
  googleCountry: text('google_country'),
  googleZip: text('google_zip'),
  metaOk: boolean('meta_ok').notNull(),
  googleOk: boolean('google_ok').notNull(),
  metaInvalid: text('meta_invalid').array().notNull(),
  googleInvalid: text('google_invalid').array().notNull(),
  genericInvalid: text('generic_invalid').array().notNull(),
});

export type ProfileRow = typeof profiles.$inferSelect;
export type ProfileVisitorRow = typeof profileVisitors.$inferSelect;
export type ProfileTombstoneRow = typeof profileTombstones.$inferSelect;
export type ProfileExportIdentifiersRow = typeof profileExportIdentifiers.$inferSelect;
