/**
 * The rows of the ingestion bench: profiles (contact fields, consent and the bench traits of every
 * type) and events (page views with paths, purchases with revenue, other named events), drawn with a
 * seeded PRNG, as GraphQL inputs and as COPY text for the reference.
 */
import { COUNTRIES, INDUSTRIES, INTERESTS, OTHER_EVENTS, PATHS, PLANS, TAGS } from './db-load.js';
import type { Random } from './rules-random.js';

const DAY = 86_400_000;

export interface ProfileInputRow {
  externalId: string;
  email: string;
  phone: string;
  firstName: string;
  country: string;
  consent: { email: boolean; sms: boolean; ads: boolean };
  traits: Record<string, unknown>;
}

export interface EventInputRow {
  eventId: string;
  externalId: string;
  name: string;
  properties: Record<string, unknown>;
  timestamp: string;
}

export function profileRow(r: Random, externalId: string, now: number): ProfileInputRow {
  const traits: Record<string, unknown> = {
    plan: r.pick(PLANS),
    industry: r.pick(INDUSTRIES),
    fitScore: r.int(0, 100),
    seats: r.int(1, 500),
    newsletter: r.chance(0.6),
    signupDate: new Date(now - r.int(0, 700) * DAY).toISOString().slice(0, 10),
    interests: r.sample(INTERESTS, r.int(0, 3)),
  };
  if (r.chance(0.5)) traits.npsScore = r.int(0, 10);
  if (r.chance(0.3)) traits.satisfactionScore = r.int(1, 5);
  if (r.chance(0.2)) traits.tags = r.sample(TAGS, r.int(1, 2));
  if (r.chance(0.1)) traits.betaTester = true;
  return {
    externalId,
    email: `${externalId}@example.com`,
    phone: `+8490${String(r.int(0, 9_999_999)).padStart(7, '0')}`,
    firstName: `Name${r.int(1, 9999)}`,
    country: r.pick(COUNTRIES),
    consent: { email: r.chance(0.8), sms: r.chance(0.4), ads: r.chance(0.7) },
    traits,
  };
}

export function eventRow(r: Random, eventId: string, externalId: string, now: number): EventInputRow {
  const timestamp = new Date(now - r.int(0, 60 * DAY)).toISOString();
  const roll = r.int(0, 99);
  if (roll < 70) return { eventId, externalId, name: 'page_view', properties: { path: r.pick(PATHS) }, timestamp };
  if (roll < 85) return { eventId, externalId, name: 'purchase', properties: { revenue: r.int(5, 500) }, timestamp };
  return { eventId, externalId, name: r.pick(OTHER_EVENTS.map(([name]) => name)), properties: {}, timestamp };
}

/** A COPY text field: backslash, tab and newlines escaped. */
const field = (value: string) => value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/** COPY text of profiles (workspace_id, external_id, email, phone, first_name, country, traits, consent_email, consent_sms, consent_ads). */
export function profilesCopyText(workspaceId: string, rows: readonly ProfileInputRow[]): string {
  return rows
    .map((p) => [workspaceId, p.externalId, p.email, p.phone, p.firstName, p.country, JSON.stringify(p.traits), p.consent.email, p.consent.sms, p.consent.ads].map((v) => field(String(v))).join('\t'))
    .join('\n') + '\n';
}

/** COPY text of events (workspace_id, event_id, profile_id, name, properties, occurred_at). */
export function eventsCopyText(workspaceId: string, rows: readonly EventInputRow[], profileIds: ReadonlyMap<string, string>): string {
  return rows
    .map((e) => [workspaceId, e.eventId, profileIds.get(e.externalId)!, e.name, JSON.stringify(e.properties), e.timestamp].map((v) => field(String(v))).join('\t'))
    .join('\n') + '\n';
}
