/**
 * The attributes of a stored profile, as the profile evaluator sees them. The SQL compiler of rules
 * (api/segments) computes exactly these in SQL; this is the plain definition both follow.
 */
import { TRAITS_PREFIX } from './attributes.js';
import type { AttrValue, EdgeGeo } from './context.js';
import { DAY_MS } from './rule.js';

/**
 * What is stored of a profile that rules can see. Instants are epoch milliseconds.
 * @example const p: StoredProfile = { traits: { plan: 'pro' }, createdAt: 0, email: 'a@b.c', phone: null, consentEmail: true, consentSms: false, purchaseCount: 0, purchaseTotal: 0, firstPurchaseAt: null, lastPurchaseAt: null, avgIntervalDays: null };
 */
export interface StoredProfile {
  traits: Readonly<Record<string, unknown>>;
  createdAt: number;
  email: string | null;
  phone: string | null;
  consentEmail: boolean;
  consentSms: boolean;
  purchaseCount: number;
  purchaseTotal: number;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  avgIntervalDays: number | null;
  /** The stored postal address (what upsertProfile / imports wrote); absent: none. */
  address?: StoredAddress;
  /** The geography of the request of the last page view the edge reported for an identified visitor of this person; absent: none. */
  seenGeo?: EdgeGeo;
}

/**
 * The stored address fields a rule can read (null: not stored). Country is upper case (the API
 * upper-cases it when writing).
 * @example const a: StoredAddress = { country: 'VN', region: 'HN', city: 'Hanoi', postalCode: null };
 */
export interface StoredAddress {
  country: string | null;
  region: string | null;
  city: string | null;
  postalCode: string | null;
}

/** The geo attributes a profile can have, and the stored address field of each (continent and time zone: none). */
export const PROFILE_GEO_FIELDS = [
  ['geo.country', 'country'],
  ['geo.region', 'region'],
  ['geo.city', 'city'],
  ['geo.postalCode', 'postalCode'],
  ['geo.continent', null],
  ['geo.timezone', null],
] as const satisfies ReadonlyArray<readonly [string, keyof StoredAddress | null]>;

/**
 * True when the profile has a stored address: any of country, region, city, postal code.
 * @example hasStoredAddress({ country: null, region: null, city: 'Hanoi', postalCode: null }); // true
 */
export function hasStoredAddress(address: StoredAddress | undefined): boolean {
  return address !== undefined && (address.country !== null || address.region !== null || address.city !== null || address.postalCode !== null);
}

/**
 * The `geo.*` attributes of a stored profile, from ONE source: the stored address when the profile
 * has one (any of its four fields; a field not stored is missing, and `geo.continent` /
 * `geo.timezone`, which an address lacks, are missing), else the geography last seen by the edge
 * for an identified visitor of this person (all six fields, as the Worker read them from the
 * request), else nothing. Never a mix of the two (a stored Berlin address and a trip to Hanoi
 * never make `geo.country = DE` and `geo.city = Hanoi` hold together).
 * @example profileGeo({ address: { country: null, region: null, city: null, postalCode: null }, seenGeo: { city: 'Hanoi' } })['geo.city']; // 'Hanoi'
 */
export function profileGeo(profile: Pick<StoredProfile, 'address' | 'seenGeo'>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  const address = profile.address;
  const fromAddress = hasStoredAddress(address);
  for (const [path, field] of PROFILE_GEO_FIELDS) {
    if (fromAddress) out[path] = field === null ? undefined : (address![field] ?? undefined);
    else out[path] = profile.seenGeo?.[path.slice('geo.'.length) as keyof EdgeGeo];
  }
  return out;
}

/**
 * Whole days since the last purchase (negative when it lies in the future), or undefined.
 * @example daysSinceLastPurchase(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 11, 12)); // 10
 */
export function daysSinceLastPurchase(lastPurchaseAt: number | null, now: number): number | undefined {
  return lastPurchaseAt === null ? undefined : Math.floor((now - lastPurchaseAt) / DAY_MS);
}

/**
 * The attribute bag of a profile at instant `now`: declared traits as `traits.<name>` (stored JSON
 * values as they are, so a wrongly typed stored value stays wrongly typed), computed purchase
 * attributes, `profile.createdAt`, reachability and geography (`profileGeo`).
 * `purchases.avgIntervalDays` needs two purchases; `purchases.overdueRatio` needs a positive interval.
 * @example profileAttributes({ ...p, purchaseCount: 2, lastPurchaseAt: now - 20 * DAY_MS, avgIntervalDays: 10 }, now)['purchases.overdueRatio']; // 2
 */
export function profileAttributes(profile: StoredProfile, now: number): Record<string, AttrValue> {
  const attributes: Record<string, AttrValue> = Object.create(null);
  for (const name of Object.keys(profile.traits)) {
    // Objects are kept as they are: present (exists is true) but of no comparable type.
    attributes[TRAITS_PREFIX + name] = profile.traits[name] as AttrValue;
  }
  const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
  attributes['purchases.count'] = profile.purchaseCount;
  attributes['purchases.total'] = profile.purchaseTotal;
  attributes['purchases.first'] = iso(profile.firstPurchaseAt);
  attributes['purchases.last'] = iso(profile.lastPurchaseAt);
  attributes['purchases.avgIntervalDays'] = profile.avgIntervalDays ?? undefined;
  const daysSince = daysSinceLastPurchase(profile.lastPurchaseAt, now);
  attributes['purchases.daysSinceLast'] = daysSince;
  const avg = profile.avgIntervalDays;
  attributes['purchases.overdueRatio'] = daysSince !== undefined && avg !== null && avg > 0 ? daysSince / avg : undefined;
  attributes['profile.createdAt'] = iso(profile.createdAt);
  attributes['reachable.email'] = profile.email !== null && profile.email !== '' && profile.consentEmail;
  attributes['reachable.phone'] = profile.phone !== null && profile.phone !== '' && profile.consentSms;
  Object.assign(attributes, profileGeo(profile));
  return attributes;
}
