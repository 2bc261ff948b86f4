/** Checks a batch of tracked events; every problem is named by its index (`events[3].timestamp`). */
import type { EdgeDevice, EdgeGeo } from '../../schema/context.js';
import { parseIsoDate } from '../../schema/dates.js';
import type { Problem } from '../profiles/profile-input.js';
import { PURCHASE_EVENT } from './purchases.js';

export interface TrackEventData {
  /** The client's idempotency id: a replay with the same id is counted as a duplicate. */
  eventId: string;
  /** Whose event: externalId (the profile is created when unknown) or profileId. */
  externalId?: string | null;
  profileId?: string | null;
  name: string;
  properties?: Record<string, unknown> | null;
  /** ISO 8601 instant. */
  timestamp: string;
}

export interface CheckedEvent {
  eventId: string;
  externalId: string | null;
  profileId: string | null;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
  /** A page view of the edge: the request's geography and device (events.context); absent otherwise. */
  context?: { geo: EdgeGeo; device: EdgeDevice };
}

/** How far in the future a timestamp may be (clock skew), in ms. */
export const MAX_FUTURE_MS = 86_400_000;
const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PROPERTIES_BYTES = 16_384;

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.trim() !== '' && v.length <= max;

export function checkEvents(inputs: readonly TrackEventData[], now: Date, path = 'events'): { events: CheckedEvent[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const checked: CheckedEvent[] = [];
  inputs.forEach((input, i) => {
    const at = `${path}[${i}]`;
    const add = (field: string, message: string) => problems.push({ path: `${at}.${field}`, message });
    if (!isText(input.eventId, 200)) add('eventId', 'is required: a unique id of 1 to 200 characters');
    if (!isText(input.name, 100) || !NAME.test(input.name)) add('name', "is required: letters, digits and _ . : - starting with a letter, such as 'purchase'");
    const hasExternal = input.externalId !== undefined && input.externalId !== null;
    const hasProfile = input.profileId !== undefined && input.profileId !== null;
    if (hasExternal === hasProfile) add('externalId', 'give exactly one of externalId and profileId');
    else if (hasExternal && !isText(input.externalId, 256)) add('externalId', 'must be 1 to 256 characters');
    else if (hasProfile && !(typeof input.profileId === 'string' && UUID.test(input.profileId))) add('profileId', 'is not a profile id');
    const properties = input.properties ?? {};
    if (typeof properties !== 'object' || Array.isArray(properties)) add('properties', 'must be a JSON object');
    else if (JSON.stringify(properties).length > MAX_PROPERTIES_BYTES) add('properties', `at most ${MAX_PROPERTIES_BYTES} bytes of JSON`);
    else if (input.name === PURCHASE_EVENT && properties.revenue !== undefined && !(typeof properties.revenue === 'number' && Number.isFinite(properties.revenue))) {
      add('properties.revenue', 'must be a number (the purchase amount)');
    }
    const ms = typeof input.timestamp === 'string' && /T/.test(input.timestamp) ? parseIsoDate(input.timestamp) : null;
    if (ms === null) add('timestamp', "is required: an ISO 8601 date-time such as '2026-01-31T09:30:00Z'");
    else if (ms > now.getTime() + MAX_FUTURE_MS) add('timestamp', 'lies more than a day in the future');
    if (problems.length === 0 || problems.every((p) => !p.path.startsWith(`${at}.`))) {
      checked.push({
        eventId: input.eventId,
        externalId: hasExternal ? input.externalId! : null,
        profileId: hasProfile ? input.profileId!.toLowerCase() : null,
        name: input.name,
        // A plain copy: GraphQL hands over input objects without a prototype.
        properties: JSON.parse(JSON.stringify(properties)) as Record<string, unknown>,
        occurredAt: new Date(ms!),
      });
    }
  });
  return { events: checked, problems };
}
