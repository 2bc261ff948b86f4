/**
 * Segment.versionDiff through GraphQL: before publishing a new version, which members it adds, removes
 * and keeps (counts equal to what the publish then does, each side paged), against no members for a
 * never-published segment, and the refusals (static list, unknown version,
 * archived segment, bad cursor) and who may read it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { ALL_ROLES, codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { trackEvents } from '../../../api/events/events.service.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id currentVersion } }';
const UPDATE = 'mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { id currentVersion } }';
const PUBLISH = 'mutation($id: ID!) { publishSegment(id: $id) { size publishedVersion } }';
const DIFF = `query($id: ID!, $version: Int!, $first: Int, $afterAdded: String, $afterRemoved: String) { segment(id: $id) { versionDiff(version: $version) {
  version comparedWith at added removed kept
  addedProfiles(first: $first, after: $afterAdded) { edges { node { externalId } } pageInfo { hasNextPage endCursor } }
  removedProfiles(first: $first, after: $afterRemoved) { edges { node { externalId } } pageInfo { hasNextPage endCursor } } } } }`;
const COUNTS = 'query($id: ID!, $version: Int!) { segment(id: $id) { versionDiff(version: $version) { version comparedWith added removed kept } } }';
const MEMBERS = 'query($id: ID!) { segment(id: $id) { members(first: 100) { edges { node { externalId } } } } }';
const atLeast = (n: number) => ({ attr: 'purchases.count', op: 'gte', value: n });

describeEachDatabase('version diffs', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables: Record<string, unknown> = {}, key = ws.keys.editor) => api.gql(query, variables, key);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Diffs');
    // p-<n> made n purchases (0..11), one a day.
    const people = Array.from({ length: 12 }, (_, n) => ({ externalId: `p-${String(n).padStart(2, '0')}`, email: `p${n}@example.com` }));
    await upsertProfiles(suite.db, ws.workspaceId, people, NOW);
    const events = people.flatMap((p, n) => Array.from({ length: n }, (_, i) => ({ eventId: `${p.externalId}-${i}`, externalId: p.externalId, name: 'purchase', properties: { revenue: 10 }, timestamp: daysAgo(i + 1) })));
    await trackEvents(suite.db, ws.workspaceId, events, NOW);
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  const names = (connection: { edges: Array<{ node: { externalId: string } }> }) => connection.edges.map((e) => e.node.externalId);

  it('a never-published draft: every match is an addition; the publish then makes exactly those members', async () => {
    const created = dataOf(await gql(CREATE, { input: { slug: 'buyers-5', name: 'Five or more', rule: atLeast(5) } })).createSegment;
    const diff = dataOf(await gql(DIFF, { id: created.id, version: 1, first: 100 })).segment.versionDiff;
    expect(diff).toMatchObject({ version: 1, comparedWith: null, at: NOW.toISOString(), added: 7, removed: 0, kept: 0 });
    expect(names(diff.addedProfiles).sort()).toEqual(['p-05', 'p-06', 'p-07', 'p-08', 'p-09', 'p-10', 'p-11']);
    expect(names(diff.removedProfiles)).toEqual([]);
    expect(dataOf(await gql(PUBLISH, { id: created.id })).publishSegment).toEqual({ size: 7, publishedVersion: 1 });
    // Published and unchanged: nothing to add or remove.
    expect(dataOf(await gql(COUNTS, { id: created.id, version: 1 })).segment.versionDiff).toEqual({ version: 1, comparedWith: 1, added: 0, removed: 0, kept: 7 });
  });

  it('a new draft version against the published members: adds, removes and keeps, paged; publishing does exactly that', async () => {
    const created = dataOf(await gql(CREATE, { input: { slug: 'buyers-3-8', name: 'Three to eight', rule: { all: [atLeast(3), { attr: 'purchases.count', op: 'lte', value: 8 }] } } })).createSegment;
    dataOf(await gql(PUBLISH, { id: created.id }));
    const before = names(dataOf(await gql(MEMBERS, { id: created.id })).segment.members).sort();
    expect(before).toEqual(['p-03', 'p-04', 'p-05', 'p-06', 'p-07', 'p-08']);
    const edited = dataOf(await gql(UPDATE, { input: { id: created.id, expectedVersion: 1, rule: { all: [atLeast(6), { attr: 'purchases.count', op: 'lte', value: 10 }] } } })).updateSegment;
    expect(edited.currentVersion).toBe(2);

    const first = dataOf(await gql(DIFF, { id: created.id, version: 2, first: 2 })).segment.versionDiff;
    expect(first).toMatchObject({ version: 2, comparedWith: 1, added: 2, removed: 3, kept: 3 });
    expect(first.removedProfiles.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf(await gql(DIFF, { id: created.id, version: 2, first: 2, afterRemoved: first.removedProfiles.pageInfo.endCursor })).segment.versionDiff;
    expect(rest.removedProfiles.pageInfo.hasNextPage).toBe(false);
    expect([...names(first.removedProfiles), ...names(rest.removedProfiles)].sort()).toEqual(['p-03', 'p-04', 'p-05']);
    expect(names(first.addedProfiles).sort()).toEqual(['p-09', 'p-10']);
    // The published version itself, asked for explicitly: no change.
    expect(dataOf(await gql(COUNTS, { id: created.id, version: 1 })).segment.versionDiff).toEqual({ version: 1, comparedWith: 1, added: 0, removed: 0, kept: 6 });

    dataOf(await gql(PUBLISH, { id: created.id }));
    expect(names(dataOf(await gql(MEMBERS, { id: created.id })).segment.members).sort()).toEqual(['p-06', 'p-07', 'p-08', 'p-09', 'p-10']);
    // Version 1 is now the one that would change things back.
    expect(dataOf(await gql(COUNTS, { id: created.id, version: 1 })).segment.versionDiff).toEqual({ version: 1, comparedWith: 2, added: 3, removed: 2, kept: 3 });
  });

  it('refuses what has no diff, naming why: a static list, a missing version, an archived segment, a bad cursor', async () => {
    const list = dataOf(await gql(CREATE, { input: { slug: 'vip-list', name: 'VIP list', type: 'STATIC' } })).createSegment;
    const staticAnswer = await gql(COUNTS, { id: list.id, version: 1 });
    expect(codeOf(staticAnswer)).toBe('BAD_USER_INPUT');
    expect(staticAnswer.errors![0]!.message).toMatch(/'vip-list' is static: a list has no rule/);

    const buyers = dataOf(await gql(CREATE, { input: { slug: 'any-buyer', name: 'Any buyer', rule: atLeast(1) } })).createSegment;
    for (const version of [3, 0, -1]) {
      const missing = await gql(COUNTS, { id: buyers.id, version });
      expect(codeOf(missing)).toBe('BAD_USER_INPUT');
      expect(missing.errors![0]!.message).toMatch(/^version: /);
    }
    const badCursor = await gql(DIFF, { id: buyers.id, version: 1, first: 1, afterAdded: 'not-a-cursor' });
    expect(codeOf(badCursor)).toBe('BAD_USER_INPUT');
    expect(badCursor.errors![0]!.message).toMatch(/after: this is not a cursor/);

    dataOf(await gql('mutation($id: ID!) { archiveSegment(id: $id) { status } }', { id: buyers.id }));
    expect(codeOf(await gql(COUNTS, { id: buyers.id, version: 1 }))).toBe('CONFLICT');
  });

  it('readers may see it; ingest and edge keys may not', async () => {
    const created = dataOf(await gql(CREATE, { input: { slug: 'buyers-10', name: 'Ten or more', rule: atLeast(10) } })).createSegment;
    for (const role of ALL_ROLES) {
      const answer = await gql(COUNTS, { id: created.id, version: 1 }, ws.keys[role]);
      if (['admin', 'editor', 'viewer'].includes(role)) expect(dataOf(answer).segment.versionDiff).toMatchObject({ added: 2, removed: 0 });
      else expect(codeOf(answer)).toBe('FORBIDDEN');
    }
  });
});
