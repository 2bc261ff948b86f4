/**
 * The segments listing end to end (it runs as prepared statements, one per filter shape): pages
 * continue where the cursor says, filters combine with paging, and another workspace's segments
 * never show.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { createCategory } from '../../../api/segments/categories.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { segments } from '../../../drizzle/index.js';

const RULE = { attr: 'geo.country', op: 'eq', value: 'VN' };
type Page = { segments: { edges: Array<{ node: { slug: string; status: string }; cursor: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
const LIST = `query($first: Int, $after: String, $status: SegmentStatus, $categoryId: ID) {
  segments(first: $first, after: $after, status: $status, categoryId: $categoryId) {
    edges { node { slug status } cursor } pageInfo { hasNextPage endCursor } } }`;

describeEachDatabase('segments listing', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let categoryId: string;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Listing');
    const other = await createTestWorkspace(suite.db, 'Other');
    const service = new SegmentService(suite.db, ws.workspaceId);
    categoryId = (await createCategory(suite.db, ws.workspaceId, 'Markets', null)).id;
    // s0..s6 in creation order; odd ones published; s0, s3, s6 in the category.
    for (let i = 0; i < 7; i++) {
      const created = await service.create({ slug: `s${i}`, name: `S${i}`, type: 'dynamic', rule: RULE, categoryId: i % 3 === 0 ? categoryId : null });
      if (i % 2 === 1) await service.publish(created.id);
      // One second apart: creation order is the listing order (a tie in the same millisecond would fall back to ids).
      await suite.db.update(segments).set({ createdAt: new Date(Date.UTC(2026, 10, 1) + i * 1000) }).where(eq(segments.id, created.id));
    }
    await new SegmentService(suite.db, other.workspaceId).create({ slug: 'foreign', name: 'Foreign', type: 'dynamic', rule: RULE });
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  async function all(variables: Record<string, unknown>, first: number): Promise<string[]> {
    const slugs: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Page = dataOf(await api.gql<Page>(LIST, { ...variables, first, after }, ws.keys.viewer));
      slugs.push(...page.segments.edges.map((e) => e.node.slug));
      if (!page.segments.pageInfo.hasNextPage) return slugs;
      after = page.segments.pageInfo.endCursor;
    }
    throw new Error('more than 10 pages');
  }

  it('pages through every segment of the workspace, oldest first, and no other', async () => {
    expect(await all({}, 3)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect(await all({}, 50)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
  });

  it('combines status and category filters with paging', async () => {
    expect(await all({ status: 'PUBLISHED' }, 2)).toEqual(['s1', 's3', 's5']);
    expect(await all({ status: 'DRAFT' }, 2)).toEqual(['s0', 's2', 's4', 's6']);
    expect(await all({ categoryId }, 1)).toEqual(['s0', 's3', 's6']);
    expect(await all({ categoryId, status: 'PUBLISHED' }, 1)).toEqual(['s3']);
    expect(await all({ categoryId, status: 'DRAFT' }, 5)).toEqual(['s0', 's6']);
  });

  it('answers the same whether the nodes ask for plain columns only or also for computed fields', async () => {
    const plain = `{ segments(first: 50) { edges { node { id slug name description categoryId type status currentVersion publishedVersion createdAt updatedAt } } } }`;
    const mixed = `{ segments(first: 50) { edges { node { id slug name description categoryId type status currentVersion publishedVersion createdAt updatedAt size scope rule } } } }`;
    type Nodes = { segments: { edges: Array<{ node: Record<string, unknown> }> } };
    const a = dataOf(await api.gql<Nodes>(plain, {}, ws.keys.viewer)).segments.edges.map((e) => e.node);
    const b = dataOf(await api.gql<Nodes>(mixed, {}, ws.keys.viewer)).segments.edges.map(({ node: { size, scope, rule, ...rest } }) => {
      expect(rule).toEqual(RULE);
      expect(scope).toBe('EDGE');
      expect(typeof size).toBe('number');
      return rest;
    });
    expect(a).toHaveLength(7);
    expect(a).toEqual(b);
    expect(a[3]).toMatchObject({ slug: 's3', name: 'S3', description: null, categoryId, type: 'DYNAMIC', status: 'PUBLISHED', currentVersion: 1, publishedVersion: 1 });
  });

  it('follows fragments, inline fragments and aliases to the fields the nodes need', async () => {
    const query = `fragment Names on Segment { label: name ... on Segment { slug } }
      { segments(first: 2, categoryId: "${categoryId}") { pageInfo { endCursor } all: edges { cursor n: node { __typename ...Names rule category { name } } } } }`;
    type Result = { segments: { all: Array<{ cursor: string; n: { __typename: string; label: string; slug: string; rule: unknown; category: { name: string } | null } }> } };
    const edges = dataOf(await api.gql<Result>(query, {}, ws.keys.viewer)).segments.all;
    expect(edges.map((e) => e.n)).toEqual([
      { __typename: 'Segment', label: 'S0', slug: 's0', rule: RULE, category: { name: 'Markets' } },
      { __typename: 'Segment', label: 'S3', slug: 's3', rule: RULE, category: { name: 'Markets' } },
    ]);
    const next = dataOf(await api.gql<Page>(LIST, { first: 5, after: edges[0]!.cursor, categoryId }, ws.keys.viewer));
    expect(next.segments.edges.map((e) => e.node.slug)).toEqual(['s3', 's6']);
  });

  it('refuses a forged cursor and an out-of-range page size', async () => {
    const forged = await api.gql(LIST, { first: 2, after: 'eyJhIjoxfQ' }, ws.keys.viewer);
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await api.gql(LIST, { first: 101 }, ws.keys.viewer);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
}, ['pglite', 'postgres', 'neon']);
