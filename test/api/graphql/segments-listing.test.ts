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

  it('refuses a forged cursor and an out-of-range page size', async () => {
    const forged = await api.gql(LIST, { first: 2, after: 'eyJhIjoxfQ' }, ws.keys.viewer);
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await api.gql(LIST, { first: 101 }, ws.keys.viewer);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
}, ['pglite', 'postgres', 'neon']);
