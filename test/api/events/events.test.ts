import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { events, profiles, segmentMembers, segments } from '../../../drizzle/index.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const TRACK = `mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted duplicates } }`;
const PROFILE = `query($externalId: String!) { profile(externalId: $externalId) {
  id computed { purchaseCount purchaseTotal firstPurchaseAt lastPurchaseAt avgIntervalDays daysSinceLastPurchase overdueRatio }
  events(first: 2) { edges { node { eventId name properties occurredAt } } pageInfo { hasNextPage endCursor } }
  segments { slug name }
} }`;

const purchase = (eventId: string, externalId: string, day: string, revenue?: number) => ({
  eventId,
  externalId,
  name: 'purchase',
  properties: revenue === undefined ? {} : { revenue },
  timestamp: `${day}T10:00:00Z`,
});

describeEachDatabase('events', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Events');
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('records purchases and recomputes the purchase columns; an unknown externalId creates the profile', async () => {
    const batch = [purchase('o-1', 'buyer', '2026-05-01', 10), purchase('o-2', 'buyer', '2026-05-11', 20.5), purchase('o-3', 'buyer', '2026-05-21')];
    expect(dataOf(await api.gql(TRACK, { events: batch }, ws.keys.ingest)).trackEvents).toEqual({ accepted: 3, duplicates: 0 });
    const { profile } = dataOf(await api.gql(PROFILE, { externalId: 'buyer' }, ws.keys.viewer));
    expect(profile.computed).toEqual({
      purchaseCount: 3,
      purchaseTotal: 30.5,
      firstPurchaseAt: '2026-05-01T10:00:00.000Z',
      lastPurchaseAt: '2026-05-21T10:00:00.000Z',
      avgIntervalDays: 10,
      daysSinceLastPurchase: 11,
      overdueRatio: 1.1,
    });
    expect(profile.events.edges.map((e: any) => e.node.eventId)).toEqual(['o-3', 'o-2']);
    expect(profile.events.pageInfo.hasNextPage).toBe(true);
    const next = dataOf(await api.gql(`query($id: ID!, $after: String) { profile(id: $id) { events(first: 2, after: $after) { edges { node { eventId } } pageInfo { hasNextPage } } } }`, { id: profile.id, after: profile.events.pageInfo.endCursor }, ws.keys.viewer));
    expect(next.profile.events.edges.map((e: any) => e.node.eventId)).toEqual(['o-1']);
  });

  it('ignores replayed event ids (and repeats inside one batch), counting them as duplicates', async () => {
    const batch = [purchase('o-2', 'buyer', '2026-05-11', 999), purchase('o-4', 'buyer', '2026-05-31', 5), purchase('o-4', 'buyer', '2026-05-31', 5)];
    expect(dataOf(await api.gql(TRACK, { events: batch }, ws.keys.ingest)).trackEvents).toEqual({ accepted: 1, duplicates: 2 });
    const [row] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'buyer')));
    expect(row!.purchaseCount).toBe(4);
    expect(row!.purchaseTotal).toBe(35.5);
  });

  it('rejects bad timestamps, future events and missing fields by index, writing nothing', async () => {
    const result = await api.gql(TRACK, {
      events: [
        { eventId: 'ok', externalId: 'x', name: 'signup', timestamp: '2026-05-01T00:00:00Z' },
        { eventId: 'b1', externalId: 'x', name: 'signup', timestamp: 'yesterday' },
        { eventId: 'b2', externalId: 'x', name: 'signup', timestamp: '2026-06-03T00:00:00Z' },
        { eventId: 'b3', name: 'signup', timestamp: '2026-05-01T00:00:00Z' },
        { eventId: '', externalId: 'x', name: 'purchase', properties: { revenue: 'ten' }, timestamp: '2026-05-01T00:00:00Z' },
      ],
    }, ws.keys.ingest);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(/^events\[1\]\.timestamp/);
    const paths = (result.errors![0]!.extensions!.problems as Array<{ path: string }>).map((p) => p.path);
    expect(paths).toEqual(['events[1].timestamp', 'events[2].timestamp', 'events[3].externalId', 'events[4].eventId', 'events[4].properties.revenue']);
    const written = await suite.db.select().from(events).where(eq(events.eventId, 'ok'));
    expect(written).toHaveLength(0);
    const missing = await api.gql(TRACK, { events: [{ eventId: 'm', externalId: 'x', timestamp: '2026-05-01T00:00:00Z' }, { eventId: 'n' }] }, ws.keys.ingest);
    expect(codeOf(missing)).toBe('BAD_USER_INPUT');
    expect(missing.errors![0]!.message).toContain('events[0]');
  });

  it('answers NOT_FOUND for an unknown profileId and refuses batches over 1,000', async () => {
    const unknown = await api.gql(TRACK, { events: [{ eventId: 'u', profileId: '00000000-0000-4000-8000-000000000000', name: 'x', timestamp: '2026-05-01T00:00:00Z' }] }, ws.keys.ingest);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    const big = Array.from({ length: 1001 }, (_, i) => ({ eventId: `big-${i}`, externalId: 'x', name: 'x', timestamp: '2026-05-01T00:00:00Z' }));
    expect(codeOf(await api.gql(TRACK, { events: big }, ws.keys.ingest))).toBe('BAD_USER_INPUT');
  });

  it('lists the published segments a profile is a member of (not drafts)', async () => {
    const [row] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'buyer')));
    const made = await suite.db
      .insert(segments)
      .values([
        { workspaceId: ws.workspaceId, slug: 'buyers', name: 'Buyers', type: 'static', status: 'published', publishedVersion: 1 },
        { workspaceId: ws.workspaceId, slug: 'draft-one', name: 'Draft', type: 'static', status: 'draft' },
      ])
      .returning();
    await suite.db.insert(segmentMembers).values(made.map((s) => ({ segmentId: s.id, profileId: row!.id, workspaceId: ws.workspaceId })));
    const { profile } = dataOf(await api.gql(PROFILE, { externalId: 'buyer' }, ws.keys.viewer));
    expect(profile.segments).toEqual([{ slug: 'buyers', name: 'Buyers' }]);
  });
});
