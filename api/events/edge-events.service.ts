/**
 * Page views reported by the edge Worker (`POST /v1/edge/events`, the body of
 * edge/upstream/reporter.ts): `{ events: [{ id, visitorId, profileExternalId?, name: 'page_view',
 * occurredAt, properties: { path, host, url, referrer? }, tags, geo?, device? }] }`. `geo` and `device`
 * (the request's geography and device) are stored with the page view (events.context, what previews
 * of edge rules evaluate: segments/edge-preview.ts); `geo` of an identified visitor's view is also
 * kept as the person's last seen edge geography (edge-geo.ts). `tags` feed the edge reach of each
 * segment (edge-reach.ts).
 * Each visitor id maps to a profile through profile_visitors; an unknown visitor gets an anonymous
 * profile (externalId null); a visitor the edge identified (profileExternalId) is attached to that
 * person's profile, unless that person was erased: such an event is refused (counted and named as
 * erased; no profile, visitor link or event is written for it). Idempotent by event id (stored as
 * `edge:<id>`, apart from client event ids).
 * Validated per item: the valid ones are stored, the others answered as `rejected` ({ index, field,
 * message }): a value PostgreSQL cannot store (U+0000, a lone surrogate) or over EDGE_LIMITS.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { profiles, profileVisitors } from '../../drizzle/index.js';
import { PAGE_VIEW_EVENT } from '../../schema/attributes.js';
import { parseIsoDate } from '../../schema/dates.js';
import { dirtyProfilesCommitted, profilesChanged } from '../segments/profile-changes.js';
import { BadInputError } from '../errors.js';
import { attachVisitors } from '../profiles/visitors.js';
import { MAX_FUTURE_MS, type CheckedEvent } from './event-input.js';
import { insertEvents, profilesByExternalId, type TrackResult } from './events.service.js';
import { tombstoneHash } from '../profiles/tombstones.js';
import { checkEdgeDevice, checkEdgeGeo, recordSeenGeo } from './edge-geo.js';
import { recordEdgeReach } from './edge-reach.js';
import type { EdgeGeo } from '../../schema/context.js';

export const MAX_EDGE_BATCH = 1000;
/** The longest values stored; the Worker cuts its reports to these (edge/upstream/storable.ts). */
export const EDGE_LIMITS = { id: 200, visitorId: 128, externalId: 256, path: 2048, host: 255, url: 4096, referrer: 4096, tags: 1000, tag: 256 } as const;

interface EdgeEventChecked extends CheckedEvent {
  visitorId: string;
  geo: EdgeGeo;
  tags: string[];
}

/** An item of the batch that was not stored: its index, the field at fault (relative to the item) and why. */
export interface EdgeRejection {
  index: number;
  field: string;
  message: string;
}

export interface EdgeBatchResult extends TrackResult {
  rejected: EdgeRejection[];
}

/** PostgreSQL stores neither U+0000 (text, jsonb) nor lone surrogates (jsonb escapes, UTF-8). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `v` is not a storable string of 1 to `max` characters, or null when it is. */
function textProblem(v: unknown, max: number): string | null {
  if (typeof v !== 'string' || v === '') return 'is required (a string)';
  if (v.length > max) return `must be at most ${max} characters, not ${v.length}`;
  return UNSTORABLE.test(v) ? 'contains U+0000 or a lone surrogate, which cannot be stored' : null;
}

/** The first problem of item `raw` as [field, message], or its checked form. */
function checkEdgeEvent(raw: unknown, now: Date): { problem: [string, string] } | { event: EdgeEventChecked } {
  const e = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const p = (typeof e.properties === 'object' && e.properties !== null ? e.properties : {}) as Record<string, unknown>;
  const hasExternal = e.profileExternalId !== undefined && e.profileExternalId !== null;
  const hasReferrer = p.referrer !== undefined && p.referrer !== null && p.referrer !== '';
  const texts: Array<[string, unknown, number, boolean]> = [
    ['id', e.id, EDGE_LIMITS.id, true],
    ['visitorId', e.visitorId, EDGE_LIMITS.visitorId, true],
    ['profileExternalId', e.profileExternalId, EDGE_LIMITS.externalId, hasExternal],
    ['properties.path', p.path, EDGE_LIMITS.path, true],
    ['properties.host', p.host, EDGE_LIMITS.host, true],
    ['properties.url', p.url, EDGE_LIMITS.url, true],
    ['properties.referrer', p.referrer, EDGE_LIMITS.referrer, hasReferrer],
  ];
  for (const [field, value, max, present] of texts) {
    const problem = present ? textProblem(value, max) : null;
    if (problem) return { problem: [field, problem] };
  }
  if (e.name !== PAGE_VIEW_EVENT) return { problem: ['name', `must be '${PAGE_VIEW_EVENT}'`] };
  const ms = typeof e.occurredAt === 'string' ? parseIsoDate(e.occurredAt) : null;
  if (ms === null) return { problem: ['occurredAt', 'must be an ISO 8601 date-time'] };
  if (ms > now.getTime() + MAX_FUTURE_MS) return { problem: ['occurredAt', 'lies more than a day in the future'] };
  const tags = e.tags === undefined ? [] : e.tags;
  if (!Array.isArray(tags) || tags.length > EDGE_LIMITS.tags || !tags.every((t) => textProblem(t, EDGE_LIMITS.tag) === null)) {
    return { problem: ['tags', `must be a list of at most ${EDGE_LIMITS.tags} segment slugs (storable strings)`] };
  }
  const geo = checkEdgeGeo(e.geo);
  if ('problem' in geo) return { problem: geo.problem };
  const device = checkEdgeDevice(e.device);
  if ('problem' in device) return { problem: device.problem };
  const properties: Record<string, unknown> = { path: p.path, host: p.host, url: p.url, tags };
  if (hasReferrer) properties.referrer = p.referrer;
  const event: EdgeEventChecked = {
    eventId: `edge:${e.id as string}`,
    visitorId: e.visitorId as string,
    externalId: hasExternal ? (e.profileExternalId as string) : null,
    profileId: null,
    name: PAGE_VIEW_EVENT,
    properties,
    occurredAt: new Date(ms),
    context: { geo: geo.geo, device: device.device },
    geo: geo.geo,
    tags: tags as string[],
  };
  return { event };
}

/**
 * The batch's storable events and its rejected items. A body that is not `{ events: [...] }` of at
 * most MAX_EDGE_BATCH items is BAD_USER_INPUT (400) with `field: 'events'`.
 */
function checkEdgeBody(body: unknown, now: Date): { events: EdgeEventChecked[]; rejected: EdgeRejection[] } {
  const list = typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
  const bad = (message: string): never => {
    throw new BadInputError(`events: ${message}`, { field: 'events', problems: [{ path: 'events', message }] });
  };
  if (!Array.isArray(list)) bad('must be a list of events');
  if ((list as unknown[]).length > MAX_EDGE_BATCH) bad(`at most ${MAX_EDGE_BATCH} events in one batch`);
  const events: EdgeEventChecked[] = [];
  const rejected: EdgeRejection[] = [];
  (list as unknown[]).forEach((raw, index) => {
    const checked = checkEdgeEvent(raw, now);
    if ('event' in checked) events.push(checked.event);
    else rejected.push({ index, field: checked.problem[0], message: checked.problem[1] });
  });
  return { events, rejected };
}

/** Profile ids of visitor ids, creating an anonymous profile for each unknown visitor. */
async function profilesOfVisitors(db: Database, workspaceId: string, visitorIds: readonly string[], now: Date): Promise<Map<string, string>> {
  const wanted = [...new Set(visitorIds)];
  const select = () =>
    db
      .select({ visitorId: profileVisitors.visitorId, profileId: profileVisitors.profileId })
      .from(profileVisitors)
      .where(and(eq(profileVisitors.workspaceId, workspaceId), inArray(profileVisitors.visitorId, wanted)));
  const found = new Map((await select()).map((r) => [r.visitorId, r.profileId]));
  const missing = wanted.filter((v) => !found.has(v));
  if (missing.length === 0) return found;
  const created = await db
    .insert(profiles)
    .values(missing.map(() => ({ workspaceId, externalId: null, createdAt: now, updatedAt: now })))
    .returning({ id: profiles.id });
  const links = missing.map((visitorId, i) => ({ workspaceId, visitorId, profileId: created[i]!.id, createdAt: now }));
  const linked = await db.insert(profileVisitors).values(links).onConflictDoNothing().returning({ visitorId: profileVisitors.visitorId });
  // Another request attached some of these visitors first: drop the profiles made for nothing.
  const lost = links.filter((l) => !linked.some((x) => x.visitorId === l.visitorId)).map((l) => l.profileId);
  if (lost.length > 0) await db.delete(profiles).where(inArray(profiles.id, lost));
  return new Map((await select()).map((r) => [r.visitorId, r.profileId]));
}

/**
 * Stores the batch's valid page views (in one transaction) and names the others by index: one
 * bad item never costs the batch. Throws BAD_USER_INPUT only for a malformed whole body.
 */
export async function recordEdgeEvents(db: Database, workspaceId: string, body: unknown, now = new Date()): Promise<EdgeBatchResult> {
  const { events, rejected } = checkEdgeBody(body, now);
  if (events.length === 0) return { accepted: 0, duplicates: 0, erased: 0, erasedEventIds: [], rejected };
  const hash = await tombstoneHash(db);
  const result = await inTransaction(db, async (tx) => {
    const { found: byExternal, erased } = await profilesByExternalId(tx, workspaceId, events.flatMap((e) => (e.externalId === null ? [] : [e.externalId])), now, hash);
    // A person erased since the edge identified them: their page view is refused, never attached to anyone.
    const refused = events.filter((e) => e.externalId !== null && erased.has(e.externalId));
    const kept = events.filter((e) => e.externalId === null || !erased.has(e.externalId));
    const identified = kept.filter((e) => e.externalId !== null);
    await attachVisitors(tx, workspaceId, identified.map((e) => ({ visitorId: e.visitorId, profileId: byExternal.get(e.externalId!)! })), now);
    const byVisitor = await profilesOfVisitors(tx, workspaceId, kept.map((e) => e.visitorId), now);
    const seen = new Set<string>();
    const rows = kept
      .filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)))
      .map((e) => ({ ...e, profileId: byVisitor.get(e.visitorId)! }));
    const accepted = await insertEvents(tx, workspaceId, rows, now);
    // Only the identified (their profiles are locked above): an anonymous visitor's place is not kept.
    await recordSeenGeo(tx, identified.map((e) => ({ profileId: byExternal.get(e.externalId!)!, at: e.occurredAt, geo: e.geo })));
    await recordEdgeReach(tx, workspaceId, rows.map((r) => ({ profileId: r.profileId, at: r.occurredAt, tags: r.tags })));
    await profilesChanged(tx, workspaceId, rows.map((r) => r.profileId), now);
    return { accepted, duplicates: kept.length - accepted, erased: refused.length, erasedEventIds: refused.map((e) => e.eventId.slice('edge:'.length)), rejected };
  });
  dirtyProfilesCommitted();
  return result;
}
