/**
 * The attributes of a stored profile, as the profile evaluator sees them. The SQL compiler of rules
 * (api/segments) computes exactly these in SQL; this is the plain definition both follow.
 */
import { TRAITS_PREFIX } from './attributes.js';
import type { AttrValue } from './context.js';
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
 * attributes, `profile.createdAt` and reachability.
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
  return attributes;
}
