/**
 * Geography on stored profiles through the API, on PGlite and PostgreSQL: the issue's rule
 * `geo.city = "Hanoi" AND purchases.count >= 1` previews the right count on the demo seed; geo.*
 * reads the stored address, else the last seen edge geography of an identified visitor (kept from
 * the Worker's reports, newest wins, anonymous never); a changed address re-evaluates memberships;
 * unknown geo attributes and bad reported geography are refused with their paths.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { seedDemo, type SeedResult } from '../../../api/seed/seed.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const ISSUE_RULE = { all: [{ attr: 'geo.city', op: 'eq', value: 'Hanoi' }, { attr: 'purchases.count', op: 'gte', value: 1 }] };
const PREVIEW = 'query($r: JSON!) { previewSegment(rule: $r) { size totalProfiles scope } }';
const UPSERT = 'mutation($input: ProfileInput!) { upsertProfile(input: $input, waitForMemberships: true) { id } }';
const MEMBERS = 'query($slug: String!) { segment(slug: $slug) { size members(first: 50) { edges { node { externalId } } } } }';

const view = (id: string, externalId: string | null, occurredAt: string, geo?: unknown) => ({
  id,
  visitorId: `v-${id}`,
  ...(externalId === null ? {} : { profileExternalId: externalId }),
  name: 'page_view',
  occurredAt,
  properties: { path: '/', host: 'shop.example', url: 'https://shop.example/' },
  tags: [],
  ...(geo === undefined ? {} : { geo }),
});

describeEachDatabase('geography on profiles', (suite) => {
  let api: TestApi;
  let seeded: SeedResult;
  let ws: TestWorkspace;
  const gql = (query: string, variables?: Record<string, unknown>) => api.gql(query, variables, ws.keys.admin);
  const preview = async (rule: unknown) => dataOf(await gql(PREVIEW, { r: rule })).previewSegment.size as number;
  const postEdge = (events: unknown[]) =>
    api.fetch('/v1/edge/events', { method: 'POST', key: ws.keys.edge, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  const seenCity = async (externalId: string) =>
    (await suite.db.execute<{ c: string | null }>(sql`select seen_city as c from profiles where workspace_id = ${ws.workspaceId} and external_id = ${externalId}`)).rows[0]?.c;

  beforeAll(async () => {
    seeded = await seedDemo(suite.db, { profiles: 300, now: NOW });
    api = await startTestApi(suite.db, () => NOW);
    ws = await createTestWorkspace(suite.db, 'Geo');
    const inputs = [
      { externalId: 'hanoi-buyer', city: 'Hanoi', country: 'vn', region: 'HN' },
      { externalId: 'hanoi-browser', city: 'Hanoi', country: 'VN' },
      { externalId: 'berlin-buyer', city: 'Berlin', country: 'DE', postalCode: '10115' },
      { externalId: 'no-address-buyer' },
      { externalId: 'lower-case-buyer', city: 'hanoi' },
    ];
    dataOf(await api.gql('mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created } }', { inputs }, ws.keys.ingest));
    const events = ['hanoi-buyer', 'berlin-buyer', 'no-address-buyer', 'lower-case-buyer'].map((externalId, i) => ({
      eventId: `o-${i}`,
      externalId,
      name: 'purchase',
      properties: { revenue: 10 },
      timestamp: '2026-05-20T10:00:00Z',
    }));
    dataOf(await api.gql('mutation($events: [TrackEventInput!]!) { trackEvents(events: $events, waitForMemberships: true) { accepted } }', { events }, ws.keys.ingest));
  });
  afterAll(() => api?.close());

  it("previews the issue's rule on the demo seed as the stored columns count it", async () => {
    const { rows } = await suite.db.execute<{ n: number; hanoi: number }>(sql`
      select count(*) filter (where city = 'Hanoi' and purchase_count >= 1)::int as n, count(*) filter (where city = 'Hanoi')::int as hanoi
      from profiles where workspace_id = ${seeded.workspaceId}`);
    const expected = rows[0]!;
    expect(expected.n).toBeGreaterThan(0);
    expect(expected.n).toBeLessThan(expected.hanoi);
    const result = dataOf(await api.gql(PREVIEW, { r: ISSUE_RULE }, seeded.adminKey)).previewSegment;
    expect(result).toEqual({ size: expected.n, totalProfiles: 300, scope: 'PROFILE' });
    const countries = dataOf(await api.gql(PREVIEW, { r: { attr: 'geo.country', op: 'in', value: ['VN', 'TH'] } }, seeded.adminKey)).previewSegment;
    const vnTh = (await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from profiles where workspace_id = ${seeded.workspaceId} and country in ('VN', 'TH')`)).rows[0]!.n;
    expect(countries).toEqual({ size: vnTh, totalProfiles: 300, scope: 'EDGE' });
  });

  it('reads the stored address: exact strings, missing is no match for neq and notIn', async () => {
    expect(await preview(ISSUE_RULE)).toBe(1); // hanoi-buyer; not hanoi-browser (no purchase) nor lower-case-buyer ('hanoi')
    expect(await preview({ all: [{ attr: 'geo.city', op: 'neq', value: 'Hanoi' }, { attr: 'purchases.count', op: 'gte', value: 1 }] })).toBe(2);
    expect(await preview({ attr: 'geo.country', op: 'notIn', value: ['VN'] })).toBe(1); // Berlin; the profiles without a country do not count
    expect(await preview({ attr: 'geo.country', op: 'eq', value: 'VN' })).toBe(2); // 'vn' was upper-cased when written
    expect(await preview({ attr: 'geo.postalCode', op: 'startsWith', value: '101' })).toBe(1);
    expect(await preview({ not: { attr: 'geo.city', op: 'exists' } })).toBe(1);
  });

  it('keeps the last seen edge geography of identified visitors only, newest first, and reads it without an address', async () => {
    const response = await postEdge([
      view('e1', 'no-address-buyer', '2026-06-01T10:00:00.000Z', { country: 'VN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' }),
      view('e2', 'no-address-buyer', '2026-06-01T09:00:00.000Z', { country: 'TH', city: 'Bangkok' }),
      view('e3', 'berlin-buyer', '2026-06-01T10:00:00.000Z', { country: 'VN', city: 'Hanoi' }),
      view('e4', null, '2026-06-01T10:00:00.000Z', { country: 'VN', city: 'Hanoi' }),
    ]);
    expect(response.status).toBe(202);
    expect(await seenCity('no-address-buyer')).toBe('Hanoi');
    const anonymous = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from profiles where workspace_id = ${ws.workspaceId} and external_id is null and seen_city is not null`);
    expect(anonymous.rows[0]!.n).toBe(0);
    // An older report, and one without geography, change nothing.
    expect((await postEdge([view('e5', 'no-address-buyer', '2026-06-01T08:00:00.000Z', { city: 'Paris' }), view('e6', 'no-address-buyer', '2026-06-01T11:00:00.000Z')])).status).toBe(202);
    expect(await seenCity('no-address-buyer')).toBe('Hanoi');
    await api.jobs.settle();
    // no-address-buyer is now in Hanoi; berlin-buyer keeps its stored Berlin address.
    expect(await preview(ISSUE_RULE)).toBe(2);
    expect(await preview({ all: [{ attr: 'geo.continent', op: 'eq', value: 'AS' }, { attr: 'geo.timezone', op: 'startsWith', value: 'Asia/' }] })).toBe(1);
    expect(await preview({ all: [{ attr: 'geo.country', op: 'eq', value: 'DE' }, { attr: 'geo.city', op: 'eq', value: 'Hanoi' }] })).toBe(0);
    // Shown on the profile, to admin and editor keys (personal data), null where never seen.
    const seen = async (externalId: string, key: string) =>
      api.gql<{ profile: { lastSeenGeo: null | Record<string, unknown> } }>('query($x: String!) { profile(externalId: $x) { lastSeenGeo { country city continent timezone region postalCode at } } }', { x: externalId }, key);
    expect((await seen('no-address-buyer', ws.keys.editor)).data?.profile.lastSeenGeo).toEqual({
      country: 'VN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh', region: null, postalCode: null, at: '2026-06-01T10:00:00.000Z',
    });
    expect((await seen('berlin-buyer', ws.keys.admin)).data?.profile.lastSeenGeo).toMatchObject({ city: 'Hanoi' });
    expect((await seen('no-address-buyer', ws.keys.viewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a reported geography it cannot store, naming the item and field', async () => {
    const response = await postEdge([
      view('bad-1', 'hanoi-buyer', '2026-06-01T10:00:00.000Z', { country: 'vn' }),
      view('bad-2', 'hanoi-buyer', '2026-06-01T10:00:00.000Z', { planet: 'Earth' }),
      view('bad-3', 'hanoi-buyer', '2026-06-01T10:00:00.000Z', { city: 'x'.repeat(129) }),
      view('bad-4', 'hanoi-buyer', '2026-06-01T10:00:00.000Z', 'Hanoi'),
    ]);
    expect(response.status).toBe(207);
    const body = (await response.json()) as { rejected: Array<{ index: number; field: string; message: string }> };
    expect(body.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'geo.country'],
      [1, 'geo.planet'],
      [2, 'geo.city'],
      [3, 'geo'],
    ]);
    expect(body.rejected[0]!.message).toMatch(/2-letter upper-case code/);
  });

  it('re-evaluates a published segment when an address changes', async () => {
    const created = dataOf(await gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input: { slug: 'hanoi-buyers', name: 'Hanoi buyers', rule: ISSUE_RULE } })).createSegment;
    dataOf(await gql('mutation($id: ID!) { publishSegment(id: $id) { id } }', { id: created.id }));
    const members = async () => (dataOf(await gql(MEMBERS, { slug: 'hanoi-buyers' })).segment.members.edges as Array<{ node: { externalId: string } }>).map((e) => e.node.externalId).sort();
    expect(await members()).toEqual(['hanoi-buyer', 'no-address-buyer']);
    dataOf(await gql(UPSERT, { input: { externalId: 'berlin-buyer', city: 'Hanoi', country: 'VN', postalCode: null } }));
    dataOf(await gql(UPSERT, { input: { externalId: 'hanoi-buyer', city: 'Ho Chi Minh City' } }));
    // An address now hides the seen geography.
    dataOf(await gql(UPSERT, { input: { externalId: 'no-address-buyer', country: 'TH' } }));
    await api.jobs.settle();
    expect(await members()).toEqual(['berlin-buyer']);
  });

  it('rejects an unknown geo attribute with its path and the attributes there are', async () => {
    const rule = { all: [{ attr: 'geo.postcode', op: 'eq', value: '10115' }, { attr: 'purchases.count', op: 'gte', value: 1 }] };
    const checked = dataOf(await gql('query($r: JSON!) { validateRule(rule: $r) { valid errors { path message } } }', { r: rule })).validateRule;
    expect(checked.valid).toBe(false);
    expect(checked.errors).toEqual([
      { path: '$.all[0].attr', message: "Unknown attribute 'geo.postcode'; did you mean 'geo.postalCode'? The geography attributes are geo.country, geo.region, geo.city, geo.continent, geo.postalCode, geo.timezone" },
    ]);
    expect(codeOf(await gql(PREVIEW, { r: rule }))).toBe('BAD_USER_INPUT');
  });
});
