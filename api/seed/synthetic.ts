/**
 * Synthetic people for the demo workspace: names, places, consent, traits, and their purchases,
 * page views and lead events, all from a seeded PRNG (the same data on every run).
 */
import type { Random } from './random.js';
import { phoneToE164 } from '../profiles/profile-input.js';
import { LEAD_EVENTS } from '../../schema/lifecycle.js';

const DAY = 86_400_000;
const FIRST = ['An', 'Binh', 'Chi', 'Dung', 'Giang', 'Hoa', 'Khanh', 'Linh', 'Minh', 'Nam', 'Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas'];
const LAST = ['Nguyen', 'Tran', 'Le', 'Pham', 'Hoang', 'Schmidt', 'Muller', 'Smith', 'Jones', 'Martin', 'Bernard', 'Rossi', 'Silva', 'Kim', 'Sato'];
const PLACES = [
  { country: 'VN', city: 'Hanoi', region: 'HN', phone: '091 234 ' },
  { country: 'VN', city: 'Ho Chi Minh City', region: 'SG', phone: '090 876 ' },
  { country: 'TH', city: 'Bangkok', region: '10', phone: '081 234 ' },
  { country: 'DE', city: 'Berlin', region: 'BE', phone: '0151 2345 ' },
  { country: 'FR', city: 'Paris', region: 'IDF', phone: '06 12 34 ' },
  { country: 'US', city: 'Austin', region: 'TX', phone: '(512) 555-' },
  { country: 'GB', city: 'London', region: 'LND', phone: '07700 900' },
] as const;
export const DEMO_PLANS = ['free', 'starter', 'pro', 'enterprise'] as const;
const INDUSTRIES = ['retail', 'software', 'finance', 'education', 'health', 'travel'];
const INTERESTS = ['shoes', 'running', 'yoga', 'outdoor', 'fashion', 'tech', 'books', 'cooking'];
const PATHS = ['/', '/pricing', '/pricing/enterprise', '/blog/segmentation-101', '/blog/edge-tagging', '/docs/getting-started', '/docs/api', '/products/shoes', '/products/yoga-mat', '/checkout', '/contact'];

export interface SyntheticProfile {
  externalId: string;
  email: string | null;
  phone: string | null;
  phoneE164: string | null;
  firstName: string;
  lastName: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  consentEmail: boolean;
  consentSms: boolean;
  consentAds: boolean;
  traits: Record<string, unknown>;
  createdAt: Date;
}

export interface SyntheticEvent {
  eventId: string;
  externalId: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

export function syntheticProfile(rng: Random, index: number, now: number): SyntheticProfile {
  const place = rng.pick(PLACES);
  const firstName = rng.pick(FIRST);
  const lastName = rng.pick(LAST);
  const externalId = `cust-${String(index + 1).padStart(5, '0')}`;
  const phone = rng.chance(0.6) ? `${place.phone}${String(rng.int(1000, 9999))}` : null;
  const createdAt = new Date(now - rng.int(1, 900) * DAY - rng.int(0, DAY - 1));
  const traits: Record<string, unknown> = {
    plan: rng.pick(DEMO_PLANS),
    industry: rng.pick(INDUSTRIES),
    signupDate: createdAt.toISOString().slice(0, 10),
    interests: INTERESTS.filter(() => rng.chance(0.25)),
    newsletter: rng.chance(0.4),
  };
  // Survey answers skew positive, as they do in real customer bases (most are satisfied).
  if (rng.chance(0.5)) traits.satisfactionScore = rng.pick([1, 2, 3, 3, 4, 4, 4, 5, 5, 5]);
  if (rng.chance(0.4)) traits.npsScore = rng.pick([2, 5, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10]);
  if (rng.chance(0.7)) traits.fitScore = rng.int(0, 100);
  return {
    externalId,
    email: rng.chance(0.85) ? `${firstName}.${lastName}.${index + 1}@example.com`.toLowerCase() : null,
    phone,
    phoneE164: phoneToE164(phone, place.country),
    firstName,
    lastName,
    city: place.city,
    region: place.region,
    postalCode: String(rng.int(10000, 99999)),
    country: place.country,
    consentEmail: rng.chance(0.7),
    consentSms: rng.chance(0.4),
    consentAds: rng.chance(0.6),
    traits,
    createdAt,
  };
}

/**
 * Purchases (about 60% of people buy; half of them still buying), onboarding, reviews, referrals,
 * testimonials and complaints of buyers, page views in the last 60 days, and a few lead events.
 */
export function syntheticEvents(rng: Random, profile: SyntheticProfile, now: number): SyntheticEvent[] {
  const out: SyntheticEvent[] = [];
  const since = profile.createdAt.getTime();
  const add = (name: string, at: number, properties: Record<string, unknown>) =>
    out.push({ eventId: `seed-${profile.externalId}-${out.length}`, externalId: profile.externalId, name, properties, occurredAt: new Date(Math.min(at, now)) });
  if (rng.chance(0.6)) {
    // Half the buyers keep buying to this day; the others stop after a few orders (they lapse).
    const loyal = rng.chance(0.5);
    const count = loyal ? 1000 : rng.int(1, 6);
    const interval = rng.int(7, 90) * DAY;
    let at = since + rng.int(0, 30) * DAY;
    for (let i = 0; i < count && at < now; i++) {
      const requiresOnboarding = rng.chance(0.25);
      add('purchase', at, { revenue: Math.round(rng.int(500, 25000)) / 100, currency: 'USD', orderId: `o-${profile.externalId}-${i}`, requiresOnboarding });
      if (requiresOnboarding && rng.chance(0.6)) add('onboarding_completed', at + rng.int(1, 10) * DAY, {});
      at += interval * (0.5 + rng.next());
    }
    if (rng.chance(0.25)) add('review', now - rng.int(0, 120) * DAY, { rating: rng.pick([2, 3, 4, 4, 5, 5, 5]) });
    if (rng.chance(0.1)) add('referral', now - rng.int(0, 120) * DAY, {});
    if (rng.chance(0.04)) add('testimonial', now - rng.int(0, 120) * DAY, {});
    if (rng.chance(0.05)) add('complaint', now - rng.int(0, 120) * DAY, {});
  }
  for (let i = rng.int(0, 6); i > 0; i--) {
    const path = rng.pick(PATHS);
    add('page_view', now - rng.int(0, 60) * DAY - rng.int(0, DAY - 1), { path, host: 'shop.example.com', url: `https://shop.example.com${path}` });
  }
  if (rng.chance(0.15)) add(rng.pick(LEAD_EVENTS), now - rng.int(0, 45) * DAY, {});
  return out;
}
