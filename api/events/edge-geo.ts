/**
 * The geography the edge reports with an identified visitor's page view (`geo` of an item of
 * `POST /v1/edge/events`: the fields of schema/context.ts EdgeGeo, as edge/context/geo.ts read them
 * from Cloudflare), checked, and kept on the person's profile as the last seen edge geography
 * (profiles.seen_*, geo_seen_at): what `geo.*` reads on a profile without a stored address
 * (schema/profile.ts `profileGeo`). Anonymous visitors' geography is never kept.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { EdgeDevice, EdgeGeo } from '../../schema/context.js';

/** The longest geo field stored (the Worker drops longer ones: edge/context/geo.ts). */
export const MAX_GEO_FIELD = 128;
const FIELDS = ['country', 'region', 'city', 'postalCode', 'continent', 'timezone'] as const;
const CODE = /^[A-Z]{2}$/;
/** PostgreSQL stores neither U+0000 nor lone surrogates. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The checked geography of a report item, or its first problem as [field, message] (field relative
 * to the item). Absent or null: no geography (`{}`).
 * @example checkEdgeGeo({ country: 'VN', city: 'Hanoi' }); // { geo: { country: 'VN', city: 'Hanoi' } }
 */
export function checkEdgeGeo(raw: unknown): { geo: EdgeGeo } | { problem: [string, string] } {
  if (raw === undefined || raw === null) return { geo: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { problem: ['geo', `must be an object with the fields ${FIELDS.join(', ')}`] };
  const geo: EdgeGeo = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = FIELDS.find((f) => f === key);
    if (field === undefined) return { problem: [`geo.${key.slice(0, 40)}`, `is not a geo field; the fields are ${FIELDS.join(', ')}`] };
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' || value === '' || value.length > MAX_GEO_FIELD) return { problem: [`geo.${field}`, `must be a string of 1 to ${MAX_GEO_FIELD} characters`] };
    if (UNSTORABLE.test(value)) return { problem: [`geo.${field}`, 'contains U+0000 or a lone surrogate, which cannot be stored'] };
    if ((field === 'country' || field === 'continent') && !CODE.test(value)) return { problem: [`geo.${field}`, `must be a 2-letter upper-case code such as '${field === 'country' ? 'VN' : 'AS'}'`] };
    geo[field] = value;
  }
  return { geo };
}

/** The longest device field stored (the Worker reports the names of schema/attributes.ts, all shorter). */
export const MAX_DEVICE_FIELD = 64;
const DEVICE_FIELDS = ['type', 'os', 'browser'] as const;

/**
 * The checked device of a report item (`device`: the fields of EdgeDevice, as edge/context/device.ts
 * classified the request), or its first problem as [field, message]. Absent or null: `{}` (a Worker
 * older than device reports). Values are not limited to today's names: a newer Worker may know more.
 * @example checkEdgeDevice({ type: 'mobile', os: 'iOS' }); // { device: { type: 'mobile', os: 'iOS' } }
 */
export function checkEdgeDevice(raw: unknown): { device: EdgeDevice } | { problem: [string, string] } {
  if (raw === undefined || raw === null) return { device: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { problem: ['device', `must be an object with the fields ${DEVICE_FIELDS.join(', ')}`] };
  const device: EdgeDevice = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = DEVICE_FIELDS.find((f) => f === key);
    if (field === undefined) return { problem: [`device.${key.slice(0, 40)}`, `is not a device field; the fields are ${DEVICE_FIELDS.join(', ')}`] };
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' || value === '' || value.length > MAX_DEVICE_FIELD) return { problem: [`device.${field}`, `must be a string of 1 to ${MAX_DEVICE_FIELD} characters`] };
    if (UNSTORABLE.test(value)) return { problem: [`device.${field}`, 'contains U+0000 or a lone surrogate, which cannot be stored'] };
    device[field] = value;
  }
  return { device };
}

/** A page view of an identified person with the geography of its request. */
export interface SeenGeo {
  profileId: string;
  at: Date;
  geo: EdgeGeo;
}

/**
 * Keeps, per profile, the geography of its latest page view among `seen` and what is stored: a
 * report older than the stored one changes nothing, one with no geography at all is ignored (an
 * unknown place is not news). The profiles must be locked by the caller (profile-locks.ts).
 */
export async function recordSeenGeo(tx: Database, seen: readonly SeenGeo[]): Promise<void> {
  const latest = new Map<string, SeenGeo>();
  for (const s of seen) {
    if (Object.keys(s.geo).length === 0) continue;
    const known = latest.get(s.profileId);
    if (known === undefined || s.at.getTime() >= known.at.getTime()) latest.set(s.profileId, s);
  }
  if (latest.size === 0) return;
  const rows = [...latest.values()].sort((x, y) => (x.profileId < y.profileId ? -1 : 1));
  const json = JSON.stringify(rows.map((r) => ({ id: r.profileId, at: r.at.toISOString(), ...r.geo })));
  await tx.execute(sql`
    update profiles p set
      seen_country = v.country, seen_region = v.region, seen_city = v.city, seen_postal_code = v."postalCode",
      seen_continent = v.continent, seen_timezone = v.timezone, geo_seen_at = v.at
    from jsonb_to_recordset(${json}::jsonb) as v(id uuid, at timestamptz, country text, region text, city text, "postalCode" text, continent text, timezone text)
    where p.id = v.id and (p.geo_seen_at is null or p.geo_seen_at <= v.at)`);
}
