/**
 * Segment.kpis over GraphQL on PGlite and PostgreSQL: conversion rate and revenue per member from
 * purchase events in [from, to), and bad periods.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { seedProfiles, staticList } from './fixtures.js';

const KPIS = `query($id: ID!, $from: DateTime!, $to: DateTime!) { segment(id: $id) { kpis(from: $from, to: $to) { from to members purchasers revenue conversionRate revenuePerMember } } }`;
const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';

describeEachDatabase('Segment.kpis', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segmentId: string;
  let emptyId: string;
  const gql = (query: string, variables?: Record<string, unknown>) => api.gql(query, variables, ws.keys.viewer);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const [k0, k1, k2, k3, outsider] = await seedProfiles(suite.db, ws.workspaceId, 'k', 5);
    segmentId = await staticList(suite.db, ws.workspaceId, 'kpi', [k0!, k1!, k2!, k3!]);
    emptyId = await staticList(suite.db, ws.workspaceId, 'empty', []);
    const purchase = (eventId: string, profileId: string, timestamp: string, properties: Record<string, unknown>, name = 'purchase') => ({ eventId, profileId, name, timestamp, properties });
    const events = [
      purchase('e1', k0!, FROM, { revenue: 10 }), // the start is inside
      purchase('e2', k0!, '2026-03-15T10:00:00Z', { revenue: 20.5 }),
      purchase('e3', k1!, '2026-02-28T23:59:59Z', { revenue: 99 }), // before
      purchase('e4', k1!, TO, { revenue: 99 }), // the end is outside
      purchase('e5', k2!, '2026-03-20T00:00:00Z', {}), // a purchase without revenue
      purchase('e6', k3!, '2026-03-10T00:00:00Z', { revenue: 50 }, 'refund_requested'), // not a purchase
      purchase('e7', outsider!, '2026-03-10T00:00:00Z', { revenue: 1000 }), // not a member
    ];
    api = await startTestApi(suite.db);
    dataOf(await api.gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', { e: events }, ws.keys.ingest));
  });
  afterAll(async () => api?.close());

  it('counts purchasers and revenue of the current members in [from, to)', async () => {
    const { kpis } = dataOf(await gql(KPIS, { id: segmentId, from: FROM, to: TO })).segment;
    expect(kpis).toEqual({ from: FROM, to: TO, members: 4, purchasers: 2, revenue: 30.5, conversionRate: 0.5, revenuePerMember: 30.5 / 4 });
  });

  it('gives null rates for a segment without members', async () => {
    const { kpis } = dataOf(await gql(KPIS, { id: emptyId, from: FROM, to: TO })).segment;
    expect(kpis).toMatchObject({ members: 0, purchasers: 0, revenue: 0, conversionRate: null, revenuePerMember: null });
  });

  it('answers two periods of several segments in one request', async () => {
    const query = `query($a: ID!, $b: ID!) {
      a: segment(id: $a) { march: kpis(from: "${FROM}", to: "${TO}") { purchasers } feb: kpis(from: "2026-02-01T00:00:00Z", to: "${FROM}") { purchasers revenue } }
      b: segment(id: $b) { march: kpis(from: "${FROM}", to: "${TO}") { purchasers } } }`;
    const data = dataOf(await gql(query, { a: segmentId, b: emptyId }));
    expect(data).toEqual({ a: { march: { purchasers: 2 }, feb: { purchasers: 1, revenue: 99 } }, b: { march: { purchasers: 0 } } });
  });

  it('refuses a period that ends before it starts, an empty one, one over 366 days and a malformed date', async () => {
    for (const [from, to] of [[TO, FROM], [FROM, FROM], ['2025-01-01T00:00:00Z', '2026-01-03T00:00:00Z']]) {
      const result = await gql(KPIS, { id: segmentId, from, to });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.problems).toEqual([expect.objectContaining({ path: 'to' })]);
    }
    expect(codeOf(await gql(KPIS, { id: segmentId, from: 'yesterday', to: TO }))).toBe('BAD_USER_INPUT');
    const year = dataOf(await gql(KPIS, { id: segmentId, from: '2024-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }));
    expect(year.segment.kpis.members).toBe(4);
  });
});
