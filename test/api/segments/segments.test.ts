/**
 * Segments through GraphQL over a real HTTP server, on PGlite and PostgreSQL: definition, validation
 * with paths, versions and optimistic concurrency, publish (membership + edge ruleset), preview,
 * static lists, references and their dependents, archive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

const SEGMENT_FIELDS = 'id slug status type currentVersion publishedVersion size scope';
const CREATE = `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { ${SEGMENT_FIELDS} } }`;
const PUBLISH = `mutation($id: ID!) { publishSegment(id: $id) { ${SEGMENT_FIELDS} } }`;
const UPDATE = `mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { ${SEGMENT_FIELDS} } }`;
const MEMBERS = `query($slug: String!) { segment(slug: $slug) { size members(first: 50) { edges { node { externalId } } } } }`;

describeEachDatabase('segments', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables?: Record<string, unknown>, key?: string | null) => api.gql(query, variables, key === undefined ? ws.keys.editor : key);
  const membersOf = async (slug: string) => {
    const data = dataOf(await gql(MEMBERS, { slug }));
    return (data.segment.members.edges as Array<{ node: { externalId: string } }>).map((e) => e.node.externalId).sort();
  };
  const create = async (input: Record<string, unknown>) => dataOf(await gql(CREATE, { input })).createSegment;

  beforeAll(async () => {
    api = await startTestApi(suite.db, () => NOW);
    ws = await createTestWorkspace(suite.db);
    dataOf(await gql('mutation { defineTrait(name: "plan", type: STRING) { id } }'));
    const inputs = [
      { externalId: 'ann', email: 'ann@example.com', consent: { email: true }, traits: { plan: 'pro' } },
      { externalId: 'bob', email: 'bob@example.com', traits: { plan: 'free' } },
      { externalId: 'cat', phone: '+84912345678', country: 'VN', consent: { sms: true } },
    ];
    dataOf(await gql('mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created } }', { inputs }, ws.keys.ingest));
    const events = [
      { eventId: 'p1', externalId: 'ann', name: 'purchase', properties: { revenue: 120 }, timestamp: daysAgo(40) },
      { eventId: 'p2', externalId: 'ann', name: 'purchase', properties: { revenue: 80 }, timestamp: daysAgo(10) },
      { eventId: 'p3', externalId: 'bob', name: 'purchase', properties: { revenue: 15 }, timestamp: daysAgo(200) },
    ];
    dataOf(await gql('mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted } }', { events }, ws.keys.ingest));
  });
  afterAll(async () => api?.close());

  it('rejects an invalid rule with every problem and its path, and stores nothing', async () => {
    const rule = { all: [{ attr: 'traits.nope', op: 'eq', value: 'x' }, { attr: 'purchases.count', op: 'gt', value: 'many' }] };
    const result = await gql(CREATE, { input: { slug: 'broken', name: 'Broken', rule } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const problems = result.errors?.[0]?.extensions?.problems as Array<{ path: string }>;
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.all[0].attr', '$.all[1].value']));
    expect(codeOf(await gql(MEMBERS, { slug: 'broken' }))).toBe('NOT_FOUND');
  });

  it('validateRule reports scope, references and problems without saving', async () => {
    const ok = dataOf(await gql('query($r: JSON!) { validateRule(rule: $r) { valid scope errors { path } } }', { r: { attr: 'geo.country', op: 'in', value: ['VN'] } }));
    expect(ok.validateRule).toEqual({ valid: true, scope: 'EDGE', errors: [] });
    const bad = dataOf(await gql('query($r: JSON!) { validateRule(rule: $r) { valid errors { path message } } }', { r: { any: [{ attr: 'geo.country', op: 'in', value: 3 }] } }));
    expect(bad.validateRule.valid).toBe(false);
    expect(bad.validateRule.errors[0].path).toBe('$.any[0].value');
  });

  it('previews, creates, publishes and materialises a dynamic segment', async () => {
    const rule = { all: [{ attr: 'purchases.count', op: 'gte', value: 2 }, { attr: 'purchases.last', op: 'inLastDays', value: 30 }] };
    const preview = dataOf(await gql('query($r: JSON!) { previewSegment(rule: $r) { size totalProfiles scope } }', { r: rule }));
    expect(preview.previewSegment).toEqual({ size: 1, totalProfiles: 3, scope: 'PROFILE' });
    const draft = await create({ slug: 'repeat-buyers', name: 'Repeat buyers', rule });
    expect(draft).toMatchObject({ status: 'DRAFT', currentVersion: 1, publishedVersion: null, size: 1 });
    const published = dataOf(await gql(PUBLISH, { id: draft.id })).publishSegment;
    expect(published).toMatchObject({ status: 'PUBLISHED', publishedVersion: 1, size: 1 });
    expect(await membersOf('repeat-buyers')).toEqual(['ann']);
    const profile = dataOf(await gql('{ profile(externalId: "ann") { segments { slug } } }'));
    expect(profile.profile.segments.map((s: { slug: string }) => s.slug)).toContain('repeat-buyers');
  });

  it('keeps membership up to date when events arrive', async () => {
    const events = [{ eventId: 'p4', externalId: 'bob', name: 'purchase', properties: { revenue: 30 }, timestamp: daysAgo(2) }];
    dataOf(await gql('mutation($events: [TrackEventInput!]!) { trackEvents(events: $events, waitForMemberships: true) { accepted } }', { events }, ws.keys.ingest));
    expect(await membersOf('repeat-buyers')).toEqual(['ann', 'bob']);
  });

  it('versions edits and refuses a stale expectedVersion with CONFLICT', async () => {
    const seg = dataOf(await gql('{ segment(slug: "repeat-buyers") { id currentVersion } }')).segment;
    const rule = { attr: 'traits.plan', op: 'eq', value: 'pro' };
    const updated = dataOf(await gql(UPDATE, { input: { id: seg.id, expectedVersion: 1, rule } })).updateSegment;
    expect(updated).toMatchObject({ currentVersion: 2, publishedVersion: 1 });
    const stale = await gql(UPDATE, { input: { id: seg.id, expectedVersion: 1, name: 'Lost update' } });
    expect(codeOf(stale)).toBe('CONFLICT');
    const versions = dataOf(await gql('{ segment(slug: "repeat-buyers") { name versions { version rule } } }')).segment;
    expect(versions.name).toBe('Repeat buyers');
    expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    dataOf(await gql(PUBLISH, { id: seg.id }));
    expect(await membersOf('repeat-buyers')).toEqual(['ann']);
  });

  it('lets exactly one of two concurrent edits of the same version win', async () => {
    const seg = await create({ slug: 'race', name: 'Race', rule: { all: [] } });
    const edit = (name: string) => gql(UPDATE, { input: { id: seg.id, expectedVersion: 1, name, rule: { attr: 'traits.plan', op: 'eq', value: name } } });
    const results = await Promise.all([edit('pro'), edit('free'), edit('team')]);
    expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'CONFLICT', undefined]);
    const versions = dataOf(await gql('{ segment(slug: "race") { currentVersion versions { version } } }')).segment;
    expect(versions).toEqual({ currentVersion: 2, versions: [{ version: 1 }, { version: 2 }] });
  });

  it('recomputes segments that reference a republished one', async () => {
    const ref = await create({ slug: 'reachable-repeaters', name: 'Reachable', rule: { all: [{ segment: 'repeat-buyers' }, { attr: 'reachable.email', op: 'eq', value: true }] } });
    dataOf(await gql(PUBLISH, { id: ref.id }));
    expect(await membersOf('reachable-repeaters')).toEqual(['ann']);
    const seg = dataOf(await gql('{ segment(slug: "repeat-buyers") { id currentVersion } }')).segment;
    dataOf(await gql(UPDATE, { input: { id: seg.id, expectedVersion: seg.currentVersion, rule: { attr: 'traits.plan', op: 'eq', value: 'free' } } }));
    dataOf(await gql(PUBLISH, { id: seg.id }));
    expect(await membersOf('reachable-repeaters')).toEqual([]);
  });

  it('rejects a reference cycle', async () => {
    const seg = dataOf(await gql('{ segment(slug: "repeat-buyers") { id currentVersion } }')).segment;
    const result = await gql(UPDATE, { input: { id: seg.id, expectedVersion: seg.currentVersion, rule: { segment: 'reachable-repeaters' } } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result.errors)).toMatch(/cycle|refer/i);
  });

  it('manages static lists and refuses rules on them', async () => {
    const list = await create({ slug: 'vip-list', name: 'VIP list', type: 'STATIC' });
    const ids = dataOf(await gql('{ profiles(first: 10) { edges { node { id externalId } } } }')).profiles.edges.map((e: { node: { id: string } }) => e.node.id);
    const added = dataOf(await gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { size } }', { s: list.id, p: ids.slice(0, 2) }));
    expect(added.addToStaticSegment.size).toBe(2);
    const removed = dataOf(await gql('mutation($s: ID!, $p: [ID!]!) { removeFromStaticSegment(segmentId: $s, profileIds: $p) { size } }', { s: list.id, p: ids.slice(0, 1) }));
    expect(removed.removeFromStaticSegment.size).toBe(1);
    const unknown = await gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { size } }', { s: list.id, p: ['00000000-0000-4000-8000-000000000000'] });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(codeOf(await gql(UPDATE, { input: { id: list.id, expectedVersion: 1, rule: { all: [] } } }))).toBe('BAD_USER_INPUT');
  });

  it('publishes edge segments to the ruleset feed at once, with a new ETag', async () => {
    const before = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge });
    const etag = before.headers.get('etag');
    const seg = await create({ slug: 'vn-mobile', name: 'Vietnam mobile', rule: { all: [{ attr: 'geo.country', op: 'eq', value: 'VN' }, { attr: 'device.type', op: 'eq', value: 'mobile' }] } });
    expect(seg.scope).toBe('EDGE');
    dataOf(await gql(PUBLISH, { id: seg.id }));
    const after = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: { 'if-none-match': etag ?? '' } });
    expect(after.status).toBe(200);
    const body = (await after.json()) as { segments: Array<{ slug: string; scope: string }> };
    expect(body.segments).toContainEqual(expect.objectContaining({ slug: 'vn-mobile', scope: 'edge' }));
    const again = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: { 'if-none-match': after.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
  });

  it('archives: no members, out of the ruleset, references become false', async () => {
    const seg = dataOf(await gql('{ segment(slug: "repeat-buyers") { id } }')).segment;
    const archived = dataOf(await gql('mutation($id: ID!) { archiveSegment(id: $id) { status size } }', { id: seg.id })).archiveSegment;
    expect(archived).toEqual({ status: 'ARCHIVED', size: 0 });
    const ruleset = (await (await api.fetch('/v1/rulesets/current', { key: ws.keys.edge })).json()) as { segments: Array<{ slug: string }> };
    expect(ruleset.segments.map((s) => s.slug)).not.toContain('repeat-buyers');
    expect(codeOf(await gql(UPDATE, { input: { id: seg.id, expectedVersion: 99, name: 'x' } }))).toBe('CONFLICT');
  });

  it('reports size history and reachability', async () => {
    const data = dataOf(await gql('{ segment(slug: "vip-list") { sizeHistory { size } reachability { total email phone visitor } } }')).segment;
    expect(data.reachability.total).toBe(1);
    const seg = dataOf(await gql('{ segment(slug: "reachable-repeaters") { sizeHistory { at size } } }')).segment;
    expect(seg.sizeHistory.map((p: { size: number }) => p.size)).toEqual([1, 0]);
  });

  describe('bad input', () => {
    it('rejects bad slugs, duplicate slugs, unknown ids and categories', async () => {
      expect(codeOf(await gql(CREATE, { input: { slug: 'Bad Slug', name: 'x', rule: { all: [] } } }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gql(CREATE, { input: { slug: 'vn-mobile', name: 'again', rule: { all: [] } } }))).toBe('CONFLICT');
      expect(codeOf(await gql('{ segment(id: "not-a-uuid") { id } }'))).toBe('NOT_FOUND');
      expect(codeOf(await gql(CREATE, { input: { slug: 'x1', name: 'x', rule: { all: [] }, categoryId: '00000000-0000-4000-8000-000000000000' } }))).toBe('NOT_FOUND');
      expect(codeOf(await gql(CREATE, { input: { slug: 'x2', name: ' ', rule: { all: [] } } }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gql(CREATE, { input: { slug: 'x3', name: 'no rule' } }))).toBe('BAD_USER_INPUT');
    });
  });
});
