/**
 * Lost updates of segment metadata: every edit (name, description, category, rule) is guarded by
 * expectedVersion. 20 parallel edits of one version over HTTP: exactly one wins, 19 get CONFLICT.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

const UPDATE = 'mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { name description categoryId currentVersion publishedVersion } }';
const PARALLEL = 20;

describeEachDatabase('concurrent segment edits', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables?: Record<string, unknown>) => api.gql(query, variables, ws.keys.editor);
  const create = async (slug: string) =>
    dataOf(await gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input: { slug, name: slug, rule: { all: [] } } })).createSegment
      .id as string;

  beforeAll(async () => {
    api = await startTestApi(suite.db);
    ws = await createTestWorkspace(suite.db);
  });
  afterAll(() => api?.close());

  async function race(id: string, edit: (i: number) => Record<string, unknown>) {
    const results = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => gql(UPDATE, { input: { id, expectedVersion: 1, ...edit(i) } })));
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(results.map(codeOf).filter((c) => c === 'CONFLICT')).toHaveLength(PARALLEL - 1);
    const stored = dataOf(await gql('query($id: ID!) { segment(id: $id) { name description categoryId currentVersion publishedVersion versions { version rule } } }', { id })).segment;
    // What is stored is what the winner was told.
    expect(stored).toMatchObject(winners[0]!.data!.updateSegment as object);
    return stored;
  }

  it('20 parallel renames of one version: one wins, 19 CONFLICT', async () => {
    const id = await create('renamed');
    const stored = await race(id, (i) => ({ name: `Name ${i}` }));
    expect(stored.currentVersion).toBe(2);
    expect(stored.versions).toEqual([{ version: 1, rule: { all: [] } }, { version: 2, rule: { all: [] } }]);
  });

  it('20 parallel description and category edits: one wins', async () => {
    const id = await create('described');
    await race(id, (i) => ({ description: `Description ${i}` }));
    const categoryIds: string[] = [];
    for (let i = 0; i < 2; i++) categoryIds.push(dataOf(await gql(`mutation { createCategory(name: "c${i}") { id } }`)).createCategory.id);
    const other = await create('categorised');
    await race(other, (i) => ({ categoryId: categoryIds[i % 2] }));
  });

  it('a stale version is refused for a rename after a rename', async () => {
    const id = await create('stale');
    dataOf(await gql(UPDATE, { input: { id, expectedVersion: 1, name: 'First' } }));
    expect(codeOf(await gql(UPDATE, { input: { id, expectedVersion: 1, name: 'Second' } }))).toBe('CONFLICT');
    expect(dataOf(await gql(UPDATE, { input: { id, expectedVersion: 2, name: 'Second' } })).updateSegment.name).toBe('Second');
  });

  it('renaming a published segment keeps it published, with the same rule and members', async () => {
    const id = await create('published');
    const published = dataOf(await gql('mutation($id: ID!) { publishSegment(id: $id) { publishedVersion } }', { id })).publishSegment;
    expect(published.publishedVersion).toBe(1);
    const renamed = dataOf(await gql(UPDATE, { input: { id, expectedVersion: 1, name: 'Published, renamed' } })).updateSegment;
    expect(renamed).toMatchObject({ currentVersion: 2, publishedVersion: 2 });
    const draft = dataOf(await gql(UPDATE, { input: { id, expectedVersion: 2, rule: { any: [] } } })).updateSegment;
    expect(draft).toMatchObject({ currentVersion: 3, publishedVersion: 2 });
    const renamedDraft = dataOf(await gql(UPDATE, { input: { id, expectedVersion: 3, name: 'Draft pending' } })).updateSegment;
    expect(renamedDraft).toMatchObject({ currentVersion: 4, publishedVersion: 2 });
  });
});
