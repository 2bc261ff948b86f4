/**
 * Static lists the way marketers hold them, through the public interfaces on both databases: by
 * externalId or e-mail over GraphQL (misses reported by position, the rest applied), from a CSV file
 * (misses by line number, 207), as a snapshot of a dynamic segment (saveAsStaticSegment), and the
 * refusals (a dynamic segment, an archived list, too many keys, a bad file, a role that may not edit).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { trackEvents } from '../../../api/events/events.service.js';
import { changeListByKeys, MAX_LIST_KEYS } from '../../../api/segments/static-lists.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id slug } }';
const CHANGE = (op: string) => `mutation($id: ID!, $x: [String!], $e: [String!]) { ${op}(segmentId: $id, externalIds: $x, emails: $e) {
  matched changed notFound invalid misses { kind index value reason } segment { size } } }`;
const ADD = CHANGE('addToStaticSegmentByKeys');
const REMOVE = CHANGE('removeFromStaticSegmentByKeys');
const MEMBERS = 'query($id: ID!) { segment(id: $id) { size members(first: 100) { edges { node { externalId } } } } }';
const SAVE = 'mutation($id: ID!, $slug: String!, $name: String!) { saveAsStaticSegment(segmentId: $id, slug: $slug, name: $name) { id slug type status size } }';

describeEachDatabase('static lists by key, from files and from segments', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables: Record<string, unknown> = {}, key = ws.keys.editor) => api.gql(query, variables, key);
  const list = async (slug: string) => dataOf(await gql(CREATE, { input: { slug, name: slug, type: 'STATIC' } })).createSegment.id as string;
  const members = async (id: string) =>
    (dataOf(await gql(MEMBERS, { id })).segment.members.edges as Array<{ node: { externalId: string } }>).map((e) => e.node.externalId).sort();
  const upload = (id: string, csv: string, query = '', key = ws.keys.editor) =>
    api.fetch(`/v1/segments/${id}/members${query}`, { method: 'POST', key, headers: { 'content-type': 'text/csv' }, body: csv });

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Lists');
    await upsertProfiles(suite.db, ws.workspaceId, [
      { externalId: 'ann', email: 'Ann@Example.com' },
      { externalId: 'bob', email: 'bob@example.com' },
      { externalId: 'cy', email: 'shared@example.com' },
      { externalId: 'dee', email: 'shared@example.com' },
      { externalId: 'eve' },
    ], NOW);
    await trackEvents(suite.db, ws.workspaceId, [{ eventId: 'p1', externalId: 'ann', name: 'purchase', properties: { revenue: 5 }, timestamp: NOW.toISOString() }], NOW);
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('adds by externalId and e-mail (trimmed, any case; a shared e-mail names every profile), reports misses by position, removes the same way', async () => {
    const id = await list('vip');
    const added = dataOf(await gql(ADD, { id, x: ['bob', 'nobody', 'bob', ' '], e: ['  ANN@example.COM ', 'shared@example.com', 'missing@example.com', 'not-an-email'] })).addToStaticSegmentByKeys;
    expect(added).toMatchObject({ matched: 4, changed: 4, notFound: 2, invalid: 2, segment: { size: 4 } });
    expect(added.misses).toEqual([
      { kind: 'EXTERNAL_ID', index: 1, value: 'nobody', reason: 'NOT_FOUND' },
      { kind: 'EXTERNAL_ID', index: 3, value: ' ', reason: 'INVALID' },
      { kind: 'EMAIL', index: 2, value: 'missing@example.com', reason: 'NOT_FOUND' },
      { kind: 'EMAIL', index: 3, value: 'not-an-email', reason: 'INVALID' },
    ]);
    expect(await members(id)).toEqual(['ann', 'bob', 'cy', 'dee']);
    // Again: nothing new.
    expect(dataOf(await gql(ADD, { id, x: ['bob'] })).addToStaticSegmentByKeys).toMatchObject({ matched: 1, changed: 0, notFound: 0 });
    const removed = dataOf(await gql(REMOVE, { id, e: ['shared@example.com'], x: ['eve'] })).removeFromStaticSegmentByKeys;
    expect(removed).toMatchObject({ matched: 3, changed: 2, notFound: 0, segment: { size: 2 } });
    expect(await members(id)).toEqual(['ann', 'bob']);
  });

  it('hostile keys are misses, not errors (quotes, very long, unicode; externalIds are exact); a NUL is refused by the input policy, naming where, and nothing is applied', async () => {
    const id = await list('hostile');
    const keys = ["bob' or '1'='1", 'x'.repeat(10_000), '😀', 'Bob', 'bob'];
    const answer = dataOf(await gql(ADD, { id, x: keys })).addToStaticSegmentByKeys;
    expect(answer).toMatchObject({ matched: 1, changed: 1 });
    expect(answer.misses.map((m: { index: number; reason: string }) => [m.index, m.reason])).toEqual([[0, 'NOT_FOUND'], [1, 'INVALID'], [2, 'NOT_FOUND'], [3, 'NOT_FOUND']]);
    const nul = await gql(ADD, { id, x: ['ann', 'a\u0000b'] });
    expect(codeOf(nul)).toBe('BAD_USER_INPUT');
    expect(nul.errors![0]!.message).toMatch(/^externalIds\[1\]: contains a NUL character/);
    expect(await members(id)).toEqual(['bob']);
  });

  it('refuses a dynamic segment, an archived list, more keys than allowed and roles that may not edit', async () => {
    const dynamic = dataOf(await gql(CREATE, { input: { slug: 'buyers', name: 'Buyers', rule: { attr: 'purchases.count', op: 'gte', value: 1 } } })).createSegment.id;
    const refused = await gql(ADD, { id: dynamic, x: ['ann'] });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toMatch(/'buyers' is dynamic.*saveAsStaticSegment/);
    // The key cap: short keys fit the 1 MB body, so GraphQL reaches it (longer ones meet the 413 first).
    const big = await list('big');
    const keys = Array.from({ length: MAX_LIST_KEYS + 1 }, (_, i) => `k${i}`);
    const tooMany = await gql(ADD, { id: big, x: keys });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.errors![0]!.message).toMatch(/At most 100000 keys .* per call, not 100001/);
    await expect(changeListByKeys(suite.db, ws.workspaceId, big, { emails: keys }, 'add', NOW)).rejects.toThrow(/not 100001/);
    expect(await members(big)).toEqual([]);
    const archived = await list('old-list');
    dataOf(await gql('mutation($id: ID!) { archiveSegment(id: $id) { status } }', { id: archived }));
    expect(codeOf(await gql(ADD, { id: archived, x: ['ann'] }))).toBe('CONFLICT');
    expect(codeOf(await gql(ADD, { id: archived, x: ['ann'] }, ws.keys.viewer))).toBe('FORBIDDEN');
    expect((await upload(archived, 'externalId\nann\n', '', ws.keys.viewer)).status).toBe(403);
  });

  it('saveAsStaticSegment snapshots a published dynamic segment: a published list that no longer follows the rule', async () => {
    const buyers = dataOf(await gql('{ segment(slug: "buyers") { id } }')).segment.id;
    const draft = await gql(SAVE, { id: buyers, slug: 'buyers-june', name: 'Buyers in June' });
    expect(codeOf(draft)).toBe('CONFLICT');
    expect(draft.errors![0]!.message).toMatch(/only a published segment has members to save/);
    dataOf(await gql('mutation($id: ID!) { publishSegment(id: $id) { size } }', { id: buyers }));
    const saved = dataOf(await gql(SAVE, { id: buyers, slug: 'buyers-june', name: 'Buyers in June' })).saveAsStaticSegment;
    expect(saved).toMatchObject({ slug: 'buyers-june', type: 'STATIC', status: 'PUBLISHED', size: 1 });
    await trackEvents(suite.db, ws.workspaceId, [{ eventId: 'p2', externalId: 'bob', name: 'purchase', properties: { revenue: 5 }, timestamp: NOW.toISOString() }], NOW);
    dataOf(await gql('mutation($id: ID!) { publishSegment(id: $id) { size } }', { id: buyers }));
    expect(await members(buyers)).toEqual(['ann', 'bob']);
    expect(await members(saved.id)).toEqual(['ann']);
    expect(codeOf(await gql(SAVE, { id: buyers, slug: 'buyers-june', name: 'Again' }))).toBe('CONFLICT');
    expect(codeOf(await gql(SAVE, { id: saved.id, slug: 'copy', name: 'Copy' }))).toBe('BAD_USER_INPUT');
  });

  it('a CSV file: header in any case (BOM, CRLF, quoted fields, other columns ignored), misses by line number, 207; remove; bad files refused', async () => {
    const id = await list('from-file');
    const csv = '\uFEFFName,EMAIL\r\n"Ann, A.",ann@example.com\r\nNobody,nobody@example.com\r\n\r\nShared,"shared@example.com"\r\nBad,"unclosed\r\n';
    const response = await upload(id, csv);
    expect(response.status).toBe(207);
    const body = (await response.json()) as { misses: unknown };
    expect(body).toMatchObject({ slug: 'from-file', action: 'add', key: 'email', records: 3, matched: 3, changed: 3, notFound: 1, invalid: 1 });
    expect(body.misses).toEqual([
      { line: 3, value: 'nobody@example.com', reason: 'NOT_FOUND' },
      { line: 6, value: '', reason: 'INVALID' },
    ]);
    expect(await members(id)).toEqual(['ann', 'cy', 'dee']);
    const removed = await upload(id, 'externalid\ncy\n', '?action=remove');
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ action: 'remove', key: 'externalId', records: 1, matched: 1, changed: 1, misses: [] });
    expect(await members(id)).toEqual(['ann', 'dee']);

    // More misses than are listed: all counted, the first 1,000 listed.
    const many = await upload(id, `externalId\n${Array.from({ length: 1500 }, (_, i) => `ghost-${i}`).join('\n')}\nann\n`);
    expect(many.status).toBe(207);
    const manyBody = (await many.json()) as { records: number; matched: number; notFound: number; misses: Array<{ line: number }> };
    expect({ records: manyBody.records, matched: manyBody.matched, notFound: manyBody.notFound, listed: manyBody.misses.length, first: manyBody.misses[0]!.line }).toEqual({ records: 1501, matched: 1, notFound: 1500, listed: 1000, first: 2 });

    const noKey = await upload(id, 'name,phone\nAnn,+1\n');
    expect(noKey.status).toBe(400);
    expect(JSON.stringify(await noKey.json())).toMatch(/line 1: the header must name an externalId or an email column/);
    expect((await upload(id, 'externalId,email\nann,ann@example.com\n')).status).toBe(400);
    expect((await upload(id, '')).status).toBe(400);
    expect((await upload(id, 'externalId\nann\n', '?action=replace')).status).toBe(400);
    const json = await api.fetch(`/v1/segments/${id}/members`, { method: 'POST', key: ws.keys.editor, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect((await upload('00000000-0000-4000-8000-000000000000', 'externalId\nann\n')).status).toBe(404);
  });
});
