/**
 * Rule warnings and the catalogue of what a workspace tracked, through GraphQL over a real HTTP
 * server, on PGlite and PostgreSQL: eventNames (counts, last seen, properties; replays, imports' twin
 * trackEvents, edge page views and erasure keep it exact), and the warnings of validateRule,
 * previewSegment, createSegment and updateSegment (never blocking), hostile names and values included.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const at = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const WARNINGS = 'warnings { path code message suggestion }';
const VALIDATE = `query($r: JSON!) { validateRule(rule: $r) { valid errors { path } ${WARNINGS} } }`;
const NAMES = '{ eventNames(first: 100) { edges { node { name count lastSeenAt properties { name count lastSeenAt } } } } }';
const LONG = 'x'.repeat(64);
const UNICODE = 'caf\u00e9_\u{1F600}';

type Warning = { path: string; code: string; message: string; suggestion: string | null };

describeEachDatabase('rule warnings and eventNames', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables?: Record<string, unknown>, key?: string) => api.gql(query, variables, key ?? ws.keys.editor);
  const track = (events: unknown[]) => gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted duplicates } }', { e: events }, ws.keys.ingest);
  const pageViews = (events: Array<{ id: string; url: string; visitor?: string; external?: string }>) =>
    api.fetch('/v1/edge/events', {
      method: 'POST',
      key: ws.keys.edge,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        events: events.map((e) => ({ id: e.id, visitorId: e.visitor ?? 'v1', profileExternalId: e.external, name: 'page_view', occurredAt: at(1), properties: { path: '/', host: 'shop.example', url: e.url }, tags: [] })),
      }),
    });
  const warningsOf = async (rule: unknown): Promise<Warning[]> => {
    const v = dataOf(await gql(VALIDATE, { r: rule })).validateRule;
    expect(v).toMatchObject({ valid: true, errors: [] });
    return v.warnings;
  };
  const listNames = async () => {
    const edges = dataOf(await gql(NAMES)).eventNames.edges as Array<{ node: { name: string; count: number; lastSeenAt: string; properties: Array<{ name: string; count: number }> } }>;
    return new Map(edges.map((e) => [e.node.name, e.node]));
  };

  beforeAll(async () => {
    api = await startTestApi(suite.db, () => NOW);
    ws = await createTestWorkspace(suite.db);
    dataOf(await gql('mutation { defineTrait(name: "plan", type: STRING) { id } }'));
    dataOf(
      await track([
        { eventId: 'p1', externalId: 'ann', name: 'purchase', properties: { revenue: 120, coupon: 'X' }, timestamp: at(40) },
        { eventId: 'p2', externalId: 'ann', name: 'purchase', properties: { revenue: 80 }, timestamp: at(10) },
        { eventId: 'p3', externalId: 'bob', name: 'purchase', properties: { revenue: 15 }, timestamp: at(200) },
        { eventId: 's1', externalId: 'bob', name: 'signup', properties: { [LONG]: 1, [UNICODE]: 'v' }, timestamp: at(5) },
        { eventId: 'e1', externalId: 'eve', name: 'only_eve', properties: { secret: 1 }, timestamp: at(3) },
      ]),
    );
    const response = await pageViews([
      { id: 'pv1', url: 'https://shop.example/?utm_source=google&utm_medium=cpc' },
      { id: 'pv2', url: 'https://shop.example/a?utm_source=Newsletter' },
      { id: 'pv3', url: `https://shop.example/b?utm_campaign=${encodeURIComponent(UNICODE)}`, visitor: 'v-eve', external: 'eve' },
      { id: 'pv4', url: 'https://shop.example/c?utm_source=only-eve', visitor: 'v-eve', external: 'eve' },
    ]);
    expect(response.status).toBe(202);
  });
  afterAll(async () => api?.close());

  it('eventNames lists every tracked name with its count, last seen and properties', async () => {
    const listed = await listNames();
    expect(listed.get('purchase')).toMatchObject({ count: 3, lastSeenAt: at(10) });
    expect(listed.get('purchase')!.properties).toEqual([
      { name: 'revenue', count: 3, lastSeenAt: at(10) },
      { name: 'coupon', count: 1, lastSeenAt: at(40) },
    ].map((p) => expect.objectContaining(p)));
    expect(listed.get('page_view')).toMatchObject({ count: 4 });
    expect(listed.get('signup')!.properties.map((p) => p.name).sort()).toEqual([LONG, UNICODE].sort());
  });

  it('a replayed batch is not counted twice', async () => {
    dataOf(await track([{ eventId: 'p1', externalId: 'ann', name: 'purchase', properties: { revenue: 120 }, timestamp: at(40) }]));
    expect((await listNames()).get('purchase')).toMatchObject({ count: 3 });
  });

  it('warns of an event name never tracked, with a did-you-mean, and of the properties asked of it', async () => {
    const warnings = await warningsOf({ all: [{ event: 'purchse', where: [{ attr: 'revenue', op: 'gte', value: 100 }] }] });
    expect(warnings).toEqual([
      expect.objectContaining({ path: '$.all[0].event', code: 'event_never_seen', suggestion: 'purchase' }),
      expect.objectContaining({ path: '$.all[0].where[0].attr', code: 'property_of_unseen_event', suggestion: null }),
    ]);
    expect(warnings[0]!.message).toMatch(/did you mean 'purchase'\?/);
  });

  it('warns of a property never seen on that event', async () => {
    const warnings = await warningsOf({ event: 'purchase', where: [{ attr: 'revenu', op: 'gte', value: 100 }, { attr: 'coupon', op: 'exists' }] });
    expect(warnings).toEqual([expect.objectContaining({ path: '$.where[0].attr', code: 'property_never_seen', suggestion: 'revenue' })]);
  });

  it('knows the values the edge reports: device.os "ios" is "iOS"', async () => {
    const warnings = await warningsOf({ any: [{ attr: 'device.os', op: 'eq', value: 'ios' }, { attr: 'device.browser', op: 'in', value: ['Chrome', 'Chrom'] }] });
    expect(warnings).toEqual([
      expect.objectContaining({ path: '$.any[0].value', code: 'value_case', suggestion: 'iOS' }),
      expect.objectContaining({ path: '$.any[1].value[1]', code: 'value_unknown', suggestion: 'Chrome' }),
    ]);
  });

  it('knows the UTM values seen in page views, in their case', async () => {
    const warnings = await warningsOf({ attr: 'utm.source', op: 'in', value: ['newsletter', 'google', 'bing'] });
    expect(warnings).toEqual([
      expect.objectContaining({ path: '$.value[0]', code: 'value_case', suggestion: 'Newsletter' }),
      expect.objectContaining({ path: '$.value[2]', code: 'value_never_seen', suggestion: null }),
    ]);
    expect(await warningsOf({ attr: 'utm.campaign', op: 'eq', value: UNICODE })).toEqual([]);
  });

  it('warns of conditions that cannot hold together in one AND scope', async () => {
    const rule = {
      all: [
        { attr: 'geo.country', op: 'eq', value: 'VN' },
        { any: [{ attr: 'traits.plan', op: 'eq', value: 'pro' }] },
        { all: [{ attr: 'geo.country', op: 'eq', value: 'TH' }] },
        { attr: 'purchases.count', op: 'gte', value: 5 },
        { attr: 'purchases.count', op: 'lt', value: 3 },
        { event: 'purchase', min: 5 },
        { event: 'purchase', max: 2 },
      ],
    };
    const warnings = (await warningsOf(rule)).filter((w) => w.code === 'contradiction');
    expect(warnings.map((w) => w.path)).toEqual(['$.all[2].all[0]', '$.all[4]', '$.all[6]']);
    expect(warnings[0]!.message).toMatch(/geo\.country.*\$\.all\[0\]/);
    // An any scope is not a contradiction.
    expect(await warningsOf({ any: [{ attr: 'geo.country', op: 'eq', value: 'VN' }, { attr: 'geo.country', op: 'eq', value: 'TH' }] })).toEqual([]);
  });

  it('warns of an edge attribute in a profile-scoped rule', async () => {
    const warnings = await warningsOf({ all: [{ attr: 'traits.plan', op: 'eq', value: 'pro' }, { attr: 'device.type', op: 'eq', value: 'mobile' }] });
    expect(warnings).toEqual([expect.objectContaining({ path: '$.all[1].attr', code: 'edge_attribute_in_profile_rule' })]);
  });

  it('hostile names and values: long and unicode property names are known, unknown ones are quoted short', async () => {
    expect(await warningsOf({ event: 'signup', where: [{ attr: LONG, op: 'exists' }] })).toEqual([]);
    const huge = 'z'.repeat(500);
    const warnings = [
      ...(await warningsOf({ attr: 'utm.source', op: 'eq', value: huge })),
      ...(await warningsOf({ event: 'signup', where: [{ attr: 'x'.repeat(63), op: 'eq', value: huge }] })),
    ];
    expect(warnings.map((w) => [w.code, w.suggestion])).toEqual([['value_never_seen', null], ['property_never_seen', LONG]]);
    for (const w of warnings) expect(w.message.length).toBeLessThan(400);
    // An event name the language refuses is an error, not a warning.
    const invalid = dataOf(await gql(VALIDATE, { r: { event: UNICODE } })).validateRule;
    expect(invalid).toMatchObject({ valid: false, errors: [{ path: '$.event' }] });
  });

  it('warnings never block saving: createSegment, updateSegment and previewSegment carry them', async () => {
    const rule = { event: 'purchse' };
    const created = dataOf(await gql(`mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id currentVersion ${WARNINGS} } }`, { i: { slug: 'typo', name: 'Typo', rule } })).createSegment;
    expect(created.warnings).toEqual([expect.objectContaining({ path: '$.event', code: 'event_never_seen', suggestion: 'purchase' })]);
    const updated = dataOf(
      await gql(`mutation($i: UpdateSegmentInput!) { updateSegment(input: $i) { currentVersion ${WARNINGS} } }`, { i: { id: created.id, expectedVersion: 1, rule: { attr: 'device.os', op: 'eq', value: 'ios' } } }),
    ).updateSegment;
    expect(updated).toEqual({ currentVersion: 2, warnings: [expect.objectContaining({ code: 'value_case', suggestion: 'iOS' })] });
    const preview = dataOf(await gql(`query($r: JSON!) { previewSegment(rule: $r) { size ${WARNINGS} } }`, { r: { event: 'signup', max: 0, min: 0 } })).previewSegment;
    expect(preview.warnings).toEqual([]);
    const typo = dataOf(await gql(`query($r: JSON!) { previewSegment(rule: $r) { size ${WARNINGS} } }`, { r: { event: 'signp' } })).previewSegment;
    expect(typo).toEqual({ size: 0, warnings: [expect.objectContaining({ code: 'event_never_seen', suggestion: 'signup' })] });
    const listed = dataOf(await gql(`{ segments(first: 10) { edges { node { slug ${WARNINGS} } } } }`)).segments.edges;
    expect(listed.map((e: { node: { slug: string; warnings: Warning[] } }) => [e.node.slug, e.node.warnings.map((w) => w.code)])).toEqual([['typo', ['value_case']]]);
  });

  it('erasure takes the person off the catalogue: a name or value only they sent is gone', async () => {
    expect((await listNames()).get('only_eve')).toBeTruthy();
    dataOf(await gql('mutation { deleteProfile(externalId: "eve") { id } }'));
    const listed = await listNames();
    expect(listed.has('only_eve')).toBe(false);
    expect(listed.get('page_view')).toMatchObject({ count: 2 });
    const warnings = await warningsOf({ attr: 'utm.source', op: 'eq', value: 'only-eve' });
    expect(warnings).toEqual([expect.objectContaining({ code: 'value_never_seen' })]);
    expect(await warningsOf({ attr: 'utm.campaign', op: 'eq', value: UNICODE })).toEqual([]);
  });

  it('concurrent batches of one workspace, names in every order: none fails, the counts add up', async () => {
    const names = ['c_alpha', 'c_beta', 'c_gamma', 'c_delta'];
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 40 }, (_, i) => ({
        eventId: `conc-${b}-${i}`,
        externalId: `conc-${b}`,
        name: names[(b % 2 === 0 ? i : 39 - i) % names.length]!,
        properties: { [`k${i % 3}`]: i },
        timestamp: at(2),
      })),
    );
    const results = await Promise.all(batches.map((batch) => track(batch)));
    for (const r of results) expect(dataOf(r).trackEvents).toEqual({ accepted: 40, duplicates: 0 });
    const listed = await listNames();
    for (const name of names) expect(listed.get(name)).toMatchObject({ count: 80 });
    expect(listed.get('c_alpha')!.properties.reduce((sum, p) => sum + p.count, 0)).toBe(80);
  });

  it('eventNames is refused to ingest and edge keys, and sees only its own workspace', async () => {
    expect(codeOf(await gql(NAMES, undefined, ws.keys.ingest))).toBe('FORBIDDEN');
    const other = await createTestWorkspace(suite.db, 'Other');
    expect(dataOf(await gql(NAMES, undefined, other.keys.viewer)).eventNames.edges).toEqual([]);
  });
});
