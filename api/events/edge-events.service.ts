/**
 * Page views reported by the edge Worker (`POST /v1/edge/events`, the body of
 * edge/upstream/reporter.ts): `{ events: [{ id, visitorId, profileExternalId?, name: 'page_view',
 * occurredAt, properties: { path, host, url, referrer? }, tags }] }`.
 * Each visitor id maps to a profile through profile_visitors; an unknown visitor gets an anonymous
 * profile (externalId null); a visitor the edge identified (profileExternalId) is attached to that
 * person's profile. Idempotent by event id (stored as `edge:<id>`, apart from client event ids).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { profiles, profileVisitors } from '../../drizzle/index.js';
import { PAGE_VIEW_EVENT } from '../../schema/attributes.js';
import { parseIsoDate } from '../../schema/dates.js';
import { refreshProfiles } from '../segments/membership.service.js';
import type { Problem } from '../profiles/profile-input.js';
import { throwProblems } from '../profiles/upsert.service.js';
import { attachVisitors } from '../profiles/visitors.js';
import { MAX_FUTURE_MS, type CheckedEvent } from './event-input.js';
import { insertEvents, profilesByExternalId, type TrackResult } from './events.service.js';

export const MAX_EDGE_BATCH = 1000;

interface EdgeEventChecked extends CheckedEvent {
  visitorId: string;
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v !== '' && v.length <= max;

function checkEdgeBody(body: unknown, now: Date): { events: EdgeEventChecked[]; problems: Problem[] } {
  const list = typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
  if (!Array.isArray(list)) return { events: [], problems: [{ path: 'events', message: 'must be a list of events' }] };
  if (list.length > MAX_EDGE_BATCH) return { events: [], problems: [{ path: 'events', message: `at most ${MAX_EDGE_BATCH} events in one batch` }] };
  const problems: Problem[] = [];
  const events: EdgeEventChecked[] = [];
  list.forEach((raw: unknown, i) => {
    const at = `events[${i}]`;
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const before = problems.length;
    if (!str(e.id, 200)) problems.push({ path: `${at}.id`, message: 'is required' });
    if (!str(e.visitorId, 128)) problems.push({ path: `${at}.visitorId`, message: 'is required' });
    if (e.profileExternalId !== undefined && e.profileExternalId !== null && !str(e.profileExternalId, 256)) problems.push({ path: `${at}.profileExternalId`, message: 'must be 1 to 256 characters' });
    if (e.name !== PAGE_VIEW_EVENT) problems.push({ path: `${at}.name`, message: `must be '${PAGE_VIEW_EVENT}'` });
    const ms = typeof e.occurredAt === 'string' ? parseIsoDate(e.occurredAt) : null;
    if (ms === null) problems.push({ path: `${at}.occurredAt`, message: 'must be an ISO 8601 date-time' });
    else if (ms > now.getTime() + MAX_FUTURE_MS) problems.push({ path: `${at}.occurredAt`, message: 'lies more than a day in the future' });
    const p = (typeof e.properties === 'object' && e.properties !== null ? e.properties : null) as Record<string, unknown> | null;
    if (!p || !str(p.path, 2048) || !str(p.host, 255) || !str(p.url, 4096) || (p.referrer !== undefined && typeof p.referrer !== 'string')) {
      problems.push({ path: `${at}.properties`, message: 'needs path, host and url strings (referrer optional)' });
    }
    const tags = e.tags === undefined ? [] : e.tags;
    if (!Array.isArray(tags) || tags.length > 1000 || !tags.every((t) => typeof t === 'string')) problems.push({ path: `${at}.tags`, message: 'must be a list of segment slugs' });
    if (problems.length > before) return;
    const properties: Record<string, unknown> = { path: p!.path, host: p!.host, url: p!.url, tags };
    if (typeof p!.referrer === 'string') properties.referrer = p!.referrer;
    events.push({
      eventId: `edge:${e.id as string}`,
      visitorId: e.visitorId as string,
      externalId: (e.profileExternalId as string | undefined) ?? null,
      profileId: null,
      name: PAGE_VIEW_EVENT,
      properties,
      occurredAt: new Date(ms!),
    });
  });
  return { events, problems };
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

export async function recordEdgeEvents(db: Database, workspaceId: string, body: unknown, now = new Date()): Promise<TrackResult> {
  const { events, problems } = checkEdgeBody(body, now);
  if (problems.length > 0) throwProblems(problems);
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  return inTransaction(db, async (tx) => {
    const identified = events.filter((e) => e.externalId !== null);
    const byExternal = await profilesByExternalId(tx, workspaceId, identified.map((e) => e.externalId!), now);
    await attachVisitors(tx, workspaceId, identified.map((e) => ({ visitorId: e.visitorId, profileId: byExternal.get(e.externalId!)! })), now);
    const byVisitor = await profilesOfVisitors(tx, workspaceId, events.map((e) => e.visitorId), now);
    const seen = new Set<string>();
    const rows = events
      .filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)))
      .map((e) => ({ ...e, profileId: byVisitor.get(e.visitorId)! }));
    const accepted = await insertEvents(tx, workspaceId, rows, now);
    await refreshProfiles(tx, workspaceId, [...new Set(rows.map((r) => r.profileId))], now.getTime());
    return { accepted, duplicates: events.length - accepted };
  });
}
