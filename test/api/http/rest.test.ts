import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { events, profiles, profileVisitors, segmentMembers, segments } from '../../../drizzle/index.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const view = (id: string, visitorId: string, path: string, extra: Record<string, unknown> = {}) => ({
  id,
  visitorId,
  name: 'page_view',
  occurredAt: '2026-06-01T11:59:00.000Z',
  properties: { path, host: 'shop.example', url: `https://shop.example${path}`, referrer: 'https://search.example/' },
  tags: ['mobile-visitors'],
  ...extra,
});

describeEachDatabase('http', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const post = (body: unknown, key = ws.keys.edge) =>
    api.fetch('/v1/edge/events', { method: 'POST', key, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'HTTP');
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('answers /healthz and a JSON 404 for unknown routes', async () => {
    expect(await (await api.fetch('/healthz')).json()).toEqual({ ok: true });
    const missing = await api.fetch('/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('NOT_FOUND');
  });

  it('refuses bodies over 1 MB with 413 and a JSON error', async () => {
    const big = JSON.stringify({ query: `{ workspace { id } }`, variables: { pad: 'x'.repeat(1024 * 1024) } });
    const response = await api.fetch('/graphql', { method: 'POST', key: ws.keys.viewer, headers: { 'content-type': 'application/json' }, body: big });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('records edge page views: an anonymous profile per new visitor, idempotent by event id', async () => {
    const batch = { events: [view('e1', 'vid-a', '/pricing'), view('e2', 'vid-a', '/pricing/enterprise'), view('e3', 'vid-b', '/')] };
    const first = await post(batch);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 3, duplicates: 0, erased: 0, erasedEventIds: [], rejected: [] });
    expect(await (await post(batch)).json()).toEqual({ accepted: 0, duplicates: 3, erased: 0, erasedEventIds: [], rejected: [] });
    const visitors = await suite.db.select().from(profileVisitors).where(eq(profileVisitors.workspaceId, ws.workspaceId));
    expect(visitors.map((v) => v.visitorId).sort()).toEqual(['vid-a', 'vid-b']);
    const anon = await suite.db.select().from(profiles).where(eq(profiles.id, visitors.find((v) => v.visitorId === 'vid-a')!.profileId));
    expect(anon[0]!.externalId).toBeNull();
    const stored = await suite.db.select().from(events).where(and(eq(events.workspaceId, ws.workspaceId), eq(events.profileId, anon[0]!.id)));
    expect(stored.map((e) => e.properties.path).sort()).toEqual(['/pricing', '/pricing/enterprise']);
  });

  it('moves an anonymous visitor and its page views to the person once identified', async () => {
    dataOf(await api.gql('mutation { upsertProfile(input: { externalId: "cust-1", visitorIds: ["vid-a"] }) { id } }', {}, ws.keys.ingest));
    const { profile } = dataOf(await api.gql('{ profile(externalId: "cust-1") { visitorIds events { edges { node { name } } } } }', {}, ws.keys.viewer));
    expect(profile.visitorIds).toEqual(['vid-a']);
    expect(profile.events.edges).toHaveLength(2);
    expect(await (await post({ events: [view('e4', 'vid-c', '/checkout', { profileExternalId: 'cust-1' })] })).json()).toEqual({ accepted: 1, duplicates: 0, erased: 0, erasedEventIds: [], rejected: [] });
    const again = dataOf(await api.gql('{ profile(externalId: "cust-1") { visitorIds events { edges { node { name } } } } }', {}, ws.keys.viewer));
    expect(again.profile.visitorIds.sort()).toEqual(['vid-a', 'vid-c']);
    expect(again.profile.events.edges).toHaveLength(3);
  });

  it('stores the valid items of an edge batch and names the invalid ones by index (207)', async () => {
    const response = await post({ events: [view('ok', 'vid-z', '/'), { ...view('bad', 'vid-z', '/'), occurredAt: 'soon' }] });
    expect(response.status).toBe(207);
    expect(await response.json()).toEqual({ accepted: 1, duplicates: 0, erased: 0, erasedEventIds: [], rejected: [{ index: 1, field: 'occurredAt', message: 'must be an ISO 8601 date-time' }] });
    const malformed = await post('{"events": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.field).toBe('body');
    expect(await suite.db.select().from(events).where(eq(events.eventId, 'edge:ok'))).toHaveLength(1);
    expect(await suite.db.select().from(events).where(eq(events.eventId, 'edge:bad'))).toHaveLength(0);
  });

  it('serves the memberships of an identified visitor (published profile-scoped segments only)', async () => {
    const [person] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'cust-1')));
    const made = await suite.db
      .insert(segments)
      .values([
        { workspaceId: ws.workspaceId, slug: 'vip', name: 'VIP', type: 'static', status: 'published', scope: 'profile' },
        { workspaceId: ws.workspaceId, slug: 'old', name: 'Old', type: 'static', status: 'archived', scope: 'profile' },
      ])
      .returning();
    await suite.db.insert(segmentMembers).values(made.map((s) => ({ segmentId: s.id, profileId: person!.id, workspaceId: ws.workspaceId })));
    const response = await api.fetch('/v1/profiles/cust-1/memberships', { key: ws.keys.edge });
    expect(await response.json()).toEqual({ profileId: person!.id, segments: ['vip'] });
    const gone = await api.fetch('/v1/profiles/nobody/memberships', { key: ws.keys.edge });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as any).error).toMatchObject({ code: 'NOT_FOUND', reason: 'PROFILE_GONE' });
  });

  it('serves the ruleset with an ETag and answers 304 to a matching If-None-Match', async () => {
    const first = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toHaveProperty('version');
    const again = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const weak = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weak.status).toBe(304);
    const stale = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: { 'if-none-match': '"stale"' } });
    expect(stale.status).toBe(200);
    await stale.body?.cancel();
  });
});
