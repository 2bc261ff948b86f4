/**
 * Edge reach through the public interfaces: page views the Worker reports (POST /v1/edge/events)
 * with their tags become `Segment.edgeReach` (distinct visitors over 1, 7 and 30 days), an unsaved
 * EDGE rule is replayed against the recent page views (`previewSegment { edgeReach }`), and the
 * health of an EDGE segment is judged on them, not on its (empty) stored members.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { edgeReach } from '../../../drizzle/index.js';
import { pruneEdgeReach } from '../../../api/events/edge-reach.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MOBILE_VN = { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, { attr: 'geo.country', op: 'eq', value: 'VN' }] };
const TWICE_ON_PRICING = { event: 'page_view', where: [{ attr: 'path', op: 'eq', value: '/pricing' }], min: 2, inLastDays: 7 };

let seq = 0;
interface View {
  visitor: string;
  at: string;
  tags?: string[];
  path?: string;
  device?: Record<string, unknown> | null;
  geo?: Record<string, unknown> | null;
  person?: string;
}
const item = (v: View) => ({
  id: `reach-${++seq}`,
  visitorId: v.visitor,
  ...(v.person ? { profileExternalId: v.person } : {}),
  name: 'page_view',
  occurredAt: v.at,
  properties: { path: v.path ?? '/', host: 'shop.example', url: `https://shop.example${v.path ?? '/'}` },
  tags: v.tags ?? [],
  ...(v.device === null ? {} : { device: v.device ?? { type: 'mobile', os: 'iOS', browser: 'Safari' } }),
  ...(v.geo === null ? {} : { geo: v.geo ?? { country: 'VN', city: 'Hanoi' } }),
});

interface Reach {
  lastDay: number;
  last7Days: number;
  last30Days: number;
}

describeEachDatabase('edge reach', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const ids: Record<string, string> = {};
  let first: unknown[] = [];
  const post = async (items: unknown[]) => {
    const response = await api.fetch('/v1/edge/events', { method: 'POST', key: ws.keys.edge, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: items }) });
    return { status: response.status, body: (await response.json()) as { accepted: number; duplicates: number; rejected: Array<{ index: number; field: string; message: string }> } };
  };
  const report = (views: View[]) => post(views.map(item));
  const reachOf = async (slug: string): Promise<Reach> => {
    const data = dataOf(await api.gql<{ segment: { edgeReach: Reach } }>('query($id: ID!) { segment(id: $id) { edgeReach { lastDay last7Days last30Days } } }', { id: ids[slug] }, ws.keys.viewer));
    return data.segment.edgeReach;
  };
  const create = async (slug: string, rule: unknown, publish: boolean) => {
    const made = dataOf(await api.gql<{ createSegment: { id: string } }>('mutation($slug: String!, $rule: JSON!) { createSegment(input: { slug: $slug, name: $slug, rule: $rule }) { id } }', { slug, rule }, ws.keys.admin));
    ids[slug] = made.createSegment.id;
    if (publish) dataOf(await api.gql('mutation($id: ID!) { publishSegment(id: $id) { id } }', { id: ids[slug] }, ws.keys.admin));
  };
  const health = async (slug: string) =>
    dataOf(await api.gql<{ segment: { health: { verdict: string; checks: Array<{ criterion: string; verdict: string; explanation: string; figures: Array<{ name: string; value: number | null }> }> } } }>(
      'query($id: ID!) { segment(id: $id) { health { verdict checks { criterion verdict explanation figures { name value } } } } }',
      { id: ids[slug] },
      ws.keys.viewer,
    )).segment.health;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Edge reach');
    api = await startTestApi(suite.db, () => NOW);
    await create('mobile-vn', MOBILE_VN, true);
    await create('pricing-fans', TWICE_ON_PRICING, true);
    await create('draft-mobile', { attr: 'device.type', op: 'eq', value: 'mobile' }, false);
    // 3 visitors in the last day (v1 twice), 2 more within 7 days, 1 more within 30, 1 older than 30 days.
    first = [
      { visitor: 'v1', at: ago(2 * HOUR), tags: ['mobile-vn'] },
      { visitor: 'v1', at: ago(3 * DAY), tags: ['mobile-vn'] },
      { visitor: 'v2', at: ago(1 * HOUR), tags: ['mobile-vn', 'mobile-vn'] },
      { visitor: 'v3', at: ago(20 * HOUR), tags: ['mobile-vn', 'no-such-segment', 'draft-mobile'] },
      { visitor: 'v4', at: ago(2 * DAY), tags: ['mobile-vn'] },
      { visitor: 'v5', at: ago(6 * DAY), tags: ['mobile-vn'] },
      { visitor: 'v6', at: ago(20 * DAY), tags: ['mobile-vn'] },
      { visitor: 'v7', at: ago(40 * DAY), tags: ['mobile-vn'] },
      // Not tagged: a desktop visitor from Thailand.
      { visitor: 'v8', at: ago(3 * HOUR), device: { type: 'desktop', os: 'Windows' }, geo: { country: 'TH' } },
    ].map(item);
    const answer = await post(first);
    expect(answer).toMatchObject({ status: 202, body: { accepted: 9, rejected: [] } });
  });
  afterAll(() => api?.close());

  it('counts distinct visitors tagged over the last day, 7 and 30 days; unknown and unpublished slugs are ignored', async () => {
    expect(await reachOf('mobile-vn')).toEqual({ lastDay: 3, last7Days: 5, last30Days: 6 });
    expect(await reachOf('draft-mobile')).toEqual({ lastDay: 0, last7Days: 0, last30Days: 0 });
    // A replayed batch changes nothing (idempotent by event id, and the rows keep the latest instant).
    expect(await post(first)).toMatchObject({ status: 202, body: { accepted: 0, duplicates: 9 } });
    expect(await reachOf('mobile-vn')).toEqual({ lastDay: 3, last7Days: 5, last30Days: 6 });
  });

  it('a person seen on two browsers counts once once identified, and an erased person no longer counts', async () => {
    await report([
      { visitor: 'b1', at: ago(5 * HOUR), path: '/pricing', tags: [] },
      { visitor: 'b1', at: ago(4 * HOUR), path: '/pricing', tags: ['pricing-fans'] },
      { visitor: 'b2', at: ago(2 * DAY), path: '/pricing', tags: [] },
      { visitor: 'b2', at: ago(1 * DAY - HOUR), path: '/pricing', tags: ['pricing-fans'] },
    ]);
    expect(await reachOf('pricing-fans')).toMatchObject({ last7Days: 2 });
    // Both browsers turn out to be one person: their anonymous profiles merge into hers.
    await report([
      { visitor: 'b1', at: ago(30 * 60_000), person: 'ada', tags: [] },
      { visitor: 'b2', at: ago(20 * 60_000), person: 'ada', tags: [] },
    ]);
    expect(await reachOf('pricing-fans')).toEqual({ lastDay: 1, last7Days: 1, last30Days: 1 });
    const erased = await api.gql('mutation { deleteProfile(externalId: "ada") { id } }', {}, ws.keys.admin);
    expect(erased.errors).toBeUndefined();
    expect(await reachOf('pricing-fans')).toEqual({ lastDay: 0, last7Days: 0, last30Days: 0 });
  });

  it('previews an unsaved EDGE rule against the recent page views, with their place, device and history', async () => {
    const preview = async (rule: unknown) =>
      dataOf(await api.gql<{ previewSegment: { size: number; scope: string; edgeReach: null | Record<string, unknown> } }>(
        'query($r: JSON!) { previewSegment(rule: $r) { size scope edgeReach { days visits visitors matchedVisits matchedVisitors complete from to } } }',
        { r: rule },
        ws.keys.viewer,
      )).previewSegment;
    // Page views of the last 7 days: v1 (2), v2, v3, v4, v5, v8 and the 2 views of b1 / b2 that stayed
    // (the identified ones went with the erased person).
    const mobile = await preview(MOBILE_VN);
    expect(mobile.scope).toBe('EDGE');
    expect(mobile.edgeReach).toEqual({ days: 7, visits: 7, visitors: 6, matchedVisits: 6, matchedVisitors: 5, complete: true, from: ago(7 * DAY), to: NOW.toISOString() });
    const desktop = await preview({ attr: 'device.os', op: 'eq', value: 'Windows' });
    expect(desktop.edgeReach).toMatchObject({ matchedVisits: 1, matchedVisitors: 1 });
    // History: the second view of /pricing by one visitor is the first that matches. (b1, b2 were erased above.)
    await report([
      { visitor: 'h1', at: ago(3 * HOUR), path: '/pricing' },
      { visitor: 'h1', at: ago(2 * HOUR), path: '/pricing' },
      { visitor: 'h1', at: ago(1 * HOUR), path: '/pricing' },
      { visitor: 'h2', at: ago(1 * HOUR), path: '/pricing' },
    ]);
    expect((await preview(TWICE_ON_PRICING)).edgeReach).toMatchObject({ visits: 11, visitors: 8, matchedVisits: 2, matchedVisitors: 1 });
    // A PROFILE rule has no edge replay.
    expect((await preview({ attr: 'purchases.count', op: 'gte', value: 1 })).edgeReach).toBeNull();
  });

  it('judges an EDGE segment on its reach, and a draft EDGE segment on its replay', async () => {
    const published = await health('mobile-vn');
    const check = (criterion: string) => published.checks.find((c) => c.criterion === criterion)!;
    expect(check('MEASURABLE')).toMatchObject({ verdict: 'OK' });
    expect(check('MEASURABLE').explanation).toMatch(/6 visitors tagged in the last 30 days \(5 in the last 7, 3 in the last day\)/);
    expect(check('SUBSTANTIAL').explanation).not.toMatch(/Empty/);
    expect(check('SUBSTANTIAL').figures.find((f) => f.name === 'visitors')!.value).toBe(6);
    expect(check('ACCESSIBLE').verdict).toBe('OK');
    // Tagged for less than the 28-day window: too soon to call it stable.
    expect(check('STABLE')).toMatchObject({ verdict: 'WARNING' });
    const draft = await health('draft-mobile');
    const measurable = draft.checks.find((c) => c.criterion === 'MEASURABLE')!;
    expect(measurable.verdict).toBe('WARNING');
    expect(measurable.explanation).toMatch(/would have tagged \d+ of \d+ visitors/);
    expect(draft.checks.find((c) => c.criterion === 'SUBSTANTIAL')!.explanation).not.toMatch(/Empty/);
  });

  it('refuses a bad device in a report by field, keeping the rest of the batch', async () => {
    const answer = await report([
      { visitor: 'bad-1', at: ago(HOUR), device: { type: 'mob\u0000ile' } },
      { visitor: 'bad-2', at: ago(HOUR), device: { brand: 'Acme' } },
      { visitor: 'bad-3', at: ago(HOUR), device: 'mobile' as unknown as Record<string, unknown> },
      { visitor: 'ok', at: ago(HOUR), device: null, geo: null },
    ]);
    expect(answer.status).toBe(207);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'device.type'],
      [1, 'device.brand'],
      [2, 'device'],
    ]);
  });

  it('prunes rows older than 31 days', async () => {
    const before = await suite.db.select().from(edgeReach).where(eq(edgeReach.workspaceId, ws.workspaceId));
    expect(before.some((r) => r.day === ago(40 * DAY).slice(0, 10))).toBe(true);
    expect(await pruneEdgeReach(suite.db, NOW, 1)).toBeGreaterThanOrEqual(1);
    const after = await suite.db.select().from(edgeReach).where(eq(edgeReach.workspaceId, ws.workspaceId));
    expect(after.some((r) => r.day < ago(31 * DAY).slice(0, 10))).toBe(false);
    expect(after.length).toBe(before.filter((r) => r.day >= ago(31 * DAY).slice(0, 10)).length);
  });
});
