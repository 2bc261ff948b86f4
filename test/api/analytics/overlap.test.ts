/**
 * segmentOverlap over GraphQL on PGlite and PostgreSQL: sizes, every pair's intersection and
 * Jaccard index against sets computed here, merge advice, and bad input.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { MERGE_JACCARD } from '../../../api/analytics/thresholds.js';
import { seedProfiles, staticList } from './fixtures.js';

const OVERLAP = `query($ids: [ID!]!) { segmentOverlap(segmentIds: $ids) {
  segments { segment { slug } size }
  pairs { a { slug } b { slug } intersection union jaccard containment shouldMerge mergeReason explanation }
  mergeCandidates { a { slug } b { slug } mergeReason } } }`;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describeEachDatabase('segmentOverlap', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const sets: Record<string, number[]> = { all: range(0, 100), twin: [...range(5, 100), ...range(100, 105)], inner: range(0, 60), tiny: range(0, 10), apart: range(200, 210) };
  const ids: Record<string, string> = {};
  let otherId: string;
  let draftId: string;
  const gql = (query: string, variables?: Record<string, unknown>, key?: string | null) => api.gql(query, variables, key === undefined ? ws.keys.viewer : key);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const profiles = await seedProfiles(suite.db, ws.workspaceId, 'p', 220);
    for (const [slug, members] of Object.entries(sets)) ids[slug] = await staticList(suite.db, ws.workspaceId, slug, members.map((i) => profiles[i]!));
    const other = await createTestWorkspace(suite.db, 'Other');
    otherId = await staticList(suite.db, other.workspaceId, 'all', []);
    draftId = (await new SegmentService(suite.db, ws.workspaceId).create({ slug: 'draft', name: 'Draft', type: 'dynamic', rule: { attr: 'purchases.count', op: 'gte', value: 1 } })).id;
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('gives sizes and every pair with intersection, union and Jaccard as the sets say', async () => {
    const order = ['all', 'twin', 'inner', 'tiny', 'apart'];
    const data = dataOf(await gql(OVERLAP, { ids: order.map((s) => ids[s]) })).segmentOverlap;
    expect(data.segments).toEqual(order.map((slug) => ({ segment: { slug }, size: sets[slug]!.length })));
    expect(data.pairs).toHaveLength(10);
    for (const pair of data.pairs) {
      const [a, b] = [new Set(sets[pair.a.slug]), new Set(sets[pair.b.slug])];
      const shared = [...a].filter((x) => b.has(x)).length;
      const union = new Set([...a, ...b]).size;
      expect(pair).toMatchObject({ intersection: shared, union });
      expect(pair.jaccard).toBeCloseTo(shared / union, 12);
      expect(pair.containment).toBeCloseTo(shared / Math.min(a.size, b.size), 12);
      expect(order.indexOf(pair.a.slug)).toBeLessThan(order.indexOf(pair.b.slug));
    }
  });

  it('flags nearly identical and nearly contained pairs, not small nested ones', async () => {
    const data = dataOf(await gql(OVERLAP, { ids: ['all', 'twin', 'inner', 'tiny', 'apart'].map((s) => ids[s]) })).segmentOverlap;
    const flags = Object.fromEntries(data.pairs.map((p: any) => [`${p.a.slug}/${p.b.slug}`, p.mergeReason]));
    expect(flags['all/twin']).toBe('NEARLY_IDENTICAL');
    expect(flags['all/inner']).toBe('NEARLY_CONTAINED');
    expect(flags['twin/inner']).toBe('NEARLY_CONTAINED');
    expect(flags['all/tiny']).toBeNull();
    expect(flags['all/apart']).toBeNull();
    const twin = data.pairs.find((p: any) => p.a.slug === 'all' && p.b.slug === 'twin');
    expect(twin.jaccard).toBeGreaterThanOrEqual(MERGE_JACCARD);
    expect(twin.explanation).toMatch(/Nearly the same people/);
    expect(data.mergeCandidates.map((p: any) => `${p.a.slug}/${p.b.slug}`)).toEqual(['all/twin', 'all/inner', 'twin/inner']);
  });

  it('drops duplicate ids', async () => {
    const data = dataOf(await gql(OVERLAP, { ids: [ids.all, ids.apart, ids.all!.toUpperCase()] })).segmentOverlap;
    expect(data.segments.map((s: any) => s.segment.slug)).toEqual(['all', 'apart']);
    expect(data.pairs).toEqual([expect.objectContaining({ intersection: 0, union: 110, jaccard: 0, shouldMerge: false })]);
  });

  it('refuses more than 20 or fewer than 2 segments', async () => {
    const many = Array.from({ length: 21 }, () => randomUUID());
    expect(codeOf(await gql(OVERLAP, { ids: many }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(OVERLAP, { ids: [ids.all] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(OVERLAP, { ids: [] }))).toBe('BAD_USER_INPUT');
  });

  it("answers NOT_FOUND for unknown, malformed or another workspace's segments", async () => {
    expect(codeOf(await gql(OVERLAP, { ids: [ids.all, randomUUID()] }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(OVERLAP, { ids: [ids.all, 'not-an-id'] }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(OVERLAP, { ids: [ids.all, otherId] }))).toBe('NOT_FOUND');
  });

  it('refuses drafts and archived segments, which have no members to compare', async () => {
    const draft = await gql(OVERLAP, { ids: [ids.all, draftId] });
    expect(codeOf(draft)).toBe('BAD_USER_INPUT');
    expect(draft.errors?.[0]?.message).toMatch(/'draft' \(draft\)/);
    await new SegmentService(suite.db, ws.workspaceId).archive(ids.apart!);
    expect(codeOf(await gql(OVERLAP, { ids: [ids.all, ids.apart] }))).toBe('BAD_USER_INPUT');
  });
});
