/**
 * Out of the archive, through GraphQL: unarchive, delete (of an archived segment only), slugs held
 * until deletion, references from other segments (refused while a live rule references it), the
 * edge ruleset, exports deleted with the segment, and category rename and delete.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { exportFile, requestExport } from '../exports/export-helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const SEGMENT = 'id slug status publishedVersion currentVersion categoryId size referencedBy { slug }';
const CREATE = `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { ${SEGMENT} } }`;
const UPDATE = `mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { ${SEGMENT} } }`;
const byId = (op: string, fields = SEGMENT) => `mutation($id: ID!) { ${op}(id: $id) { ${fields} } }`;
const DELETE = 'mutation($id: ID!) { deleteSegment(id: $id) { id slug name audienceExports exportedTo } }';
const VN = { attr: 'geo.country', op: 'eq', value: 'VN' };

describeEachDatabase('archive, unarchive, delete', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let key: string;
  const gql = (query: string, variables: Record<string, unknown> = {}) => api.gql(query, variables, key);
  const create = async (input: Record<string, unknown>) => dataOf(await gql(CREATE, { input })).createSegment;
  const run = async (op: string, id: string) => dataOf(await gql(byId(op), { id }))[op];
  const ruleset = async () => JSON.stringify(await (await api.fetch('/v1/rulesets/current', { key: ws.keys.edge })).json());

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Archive');
    key = ws.keys.editor;
    await upsertProfiles(suite.db, ws.workspaceId, [
      { externalId: 'p-1', email: 'one@example.com', consent: { ads: true } },
      { externalId: 'p-2', email: 'two@example.com', consent: { ads: true } },
    ], NOW);
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('a referenced segment: archive makes the reference false, delete is refused until no live rule references it, then frees the slug', async () => {
    const vn = await create({ slug: 'vietnam', name: 'Vietnam', rule: VN });
    await run('publishSegment', vn.id);
    const mobile = await create({ slug: 'vn-mobile', name: 'VN mobile', rule: { all: [{ segment: 'vietnam' }, { attr: 'device.type', op: 'eq', value: 'mobile' }] } });
    await run('publishSegment', mobile.id);
    expect((await run('publishSegment', vn.id)).referencedBy).toEqual([{ slug: 'vn-mobile' }]);
    expect(await ruleset()).toContain('"vietnam"');

    const notArchived = await gql(DELETE, { id: vn.id });
    expect(codeOf(notArchived)).toBe('CONFLICT');
    expect(notArchived.errors![0]!.message).toMatch(/is published: archive it first/);

    const archived = await run('archiveSegment', vn.id);
    expect(archived).toMatchObject({ status: 'ARCHIVED', size: 0, referencedBy: [{ slug: 'vn-mobile' }] });
    expect(await ruleset()).not.toContain('"vietnam"');
    const warned = dataOf(await gql('query($r: JSON!) { validateRule(rule: $r) { valid warnings { path message } } }', { r: { segment: 'vietnam' } })).validateRule;
    expect(warned.valid).toBe(true);
    expect(warned.warnings).toHaveLength(1);

    // The slug is still the archived segment's.
    const taken = await gql(CREATE, { input: { slug: 'vietnam', name: 'Again', rule: VN } });
    expect(codeOf(taken)).toBe('CONFLICT');
    expect(taken.errors![0]!.message).toMatch(/belongs to an archived segment: unarchive it .* or delete it .* to free the slug/);

    const referenced = await gql(DELETE, { id: vn.id });
    expect(codeOf(referenced)).toBe('CONFLICT');
    expect(referenced.errors![0]!.message).toMatch(/referenced by 'vn-mobile'/);
    expect(referenced.errors![0]!.extensions!.referencedBy).toEqual(['vn-mobile']);

    // A new draft without the reference is not enough: the published version still has it.
    const edited = dataOf(await gql(UPDATE, { input: { id: mobile.id, expectedVersion: 1, rule: { attr: 'device.type', op: 'eq', value: 'mobile' } } })).updateSegment;
    expect(edited.currentVersion).toBe(2);
    expect(codeOf(await gql(DELETE, { id: vn.id }))).toBe('CONFLICT');
    await run('publishSegment', mobile.id);
    expect(dataOf(await gql(DELETE, { id: vn.id })).deleteSegment).toEqual({ id: vn.id, slug: 'vietnam', name: 'Vietnam', audienceExports: 0, exportedTo: [] });

    expect(codeOf(await gql('query($id: ID!) { segment(id: $id) { id } }', { id: vn.id }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(DELETE, { id: vn.id }))).toBe('NOT_FOUND');
    const again = await create({ slug: 'vietnam', name: 'Vietnam again', rule: VN });
    expect(again).toMatchObject({ slug: 'vietnam', status: 'DRAFT', currentVersion: 1 });
  });

  it('an archived segment referenced only by archived ones can be deleted', async () => {
    const base = await create({ slug: 'base', name: 'Base', rule: VN });
    const user = await create({ slug: 'base-user', name: 'Uses base', rule: { segment: 'base' } });
    await run('archiveSegment', user.id);
    await run('archiveSegment', base.id);
    expect(dataOf(await gql(DELETE, { id: base.id })).deleteSegment.slug).toBe('base');
    // Its referrer comes back as a draft whose rule now names nothing: publishing it says so.
    expect(await run('unarchiveSegment', user.id)).toMatchObject({ status: 'DRAFT', size: 0 });
    const refused = await gql(byId('publishSegment'), { id: user.id });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(refused.errors)).toMatch(/base/);
  });

  it('unarchive: a draft again with its versions; a static list keeps its members; publishing makes it live', async () => {
    const profiles = dataOf(await gql('{ profiles(first: 10) { edges { node { id } } } }')).profiles.edges.map((e: any) => e.node.id);
    const list = await create({ slug: 'vip-list', name: 'VIP list', type: 'STATIC' });
    await gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: list.id, p: profiles });
    await run('publishSegment', list.id);
    const dynamic = await create({ slug: 'everyone', name: 'Everyone', rule: { all: [] } });
    expect((await run('publishSegment', dynamic.id)).size).toBe(2);

    expect(codeOf(await gql(byId('unarchiveSegment'), { id: list.id }))).toBe('CONFLICT');
    await run('archiveSegment', list.id);
    await run('archiveSegment', dynamic.id);
    expect(await run('unarchiveSegment', list.id)).toMatchObject({ status: 'DRAFT', publishedVersion: null, size: 2 });
    const back = await run('unarchiveSegment', dynamic.id);
    expect(back).toMatchObject({ status: 'DRAFT', publishedVersion: null, currentVersion: 1 });
    expect(await run('publishSegment', dynamic.id)).toMatchObject({ status: 'PUBLISHED', publishedVersion: 1, size: 2 });
    const updated = dataOf(await gql(UPDATE, { input: { id: list.id, expectedVersion: 1, name: 'VIP' } })).updateSegment;
    expect(updated.currentVersion).toBe(2);
    for (const id of ['not-an-id', '00000000-0000-4000-8000-000000000000']) {
      expect(codeOf(await gql(byId('unarchiveSegment'), { id }))).toBe('NOT_FOUND');
      expect(codeOf(await gql(DELETE, { id }))).toBe('NOT_FOUND');
    }
  });

  it("deleting deletes the segment's exports and files, and names the platforms that still hold its audience", async () => {
    const list = await create({ slug: 'exported', name: 'Exported', type: 'STATIC' });
    const profiles = dataOf(await gql('{ profiles(first: 10) { edges { node { id } } } }')).profiles.edges.map((e: any) => e.node.id);
    await gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: list.id, p: profiles });
    await run('publishSegment', list.id);
    const meta = await exportFile(api, key, list.id, 'META', 'CSV', 'FULL');
    const generic = await exportFile(api, key, list.id, 'GENERIC', 'JSONL', 'FULL');
    expect(meta.text.split('\r\n').length).toBe(4);
    await run('archiveSegment', list.id);
    expect(dataOf(await gql(DELETE, { id: list.id })).deleteSegment).toMatchObject({ audienceExports: 2, exportedTo: ['GENERIC', 'META'] });
    for (const done of [meta, generic]) {
      expect((await api.fetch(done.view.downloadUrl, { key })).status).toBe(404);
      expect(codeOf(await gql('query($id: ID!) { audienceExport(id: $id) { id } }', { id: done.view.id }))).toBe('NOT_FOUND');
    }
  });

  it('categories: rename (unique names), change or clear the description, delete (segments stay, uncategorised)', async () => {
    const UPDATE_CATEGORY = 'mutation($id: ID!, $name: String, $description: String) { updateCategory(id: $id, name: $name, description: $description) { id name description } }';
    const category = dataOf(await gql('mutation { createCategory(name: "Campaigns", description: "Seasonal") { id } }')).createCategory;
    dataOf(await gql('mutation { createCategory(name: "Website") { id } }'));
    const member = await create({ slug: 'in-campaigns', name: 'In campaigns', rule: VN, categoryId: category.id });
    expect(member.categoryId).toBe(category.id);

    expect(dataOf(await gql(UPDATE_CATEGORY, { id: category.id, name: '  Promotions ' })).updateCategory).toEqual({ id: category.id, name: 'Promotions', description: 'Seasonal' });
    expect(dataOf(await gql(UPDATE_CATEGORY, { id: category.id, description: null })).updateCategory).toEqual({ id: category.id, name: 'Promotions', description: null });
    const clash = await gql(UPDATE_CATEGORY, { id: category.id, name: 'Website' });
    expect(codeOf(clash)).toBe('CONFLICT');
    expect(clash.errors![0]!.message).toBe("A category named 'Website' already exists");
    const empty = await gql(UPDATE_CATEGORY, { id: category.id, name: '   ' });
    expect(codeOf(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors![0]!.message).toMatch(/^name: /);
    expect(codeOf(await gql(UPDATE_CATEGORY, { id: '00000000-0000-4000-8000-000000000000', name: 'X' }))).toBe('NOT_FOUND');
    const listed = dataOf(await gql('query($id: ID!) { category(id: $id) { name segments { edges { node { slug } } } } }', { id: category.id })).category;
    expect(listed).toEqual({ name: 'Promotions', segments: { edges: [{ node: { slug: 'in-campaigns' } }] } });

    const deleted = dataOf(await gql('mutation($id: ID!) { deleteCategory(id: $id) { category { id name } uncategorisedSegments } }', { id: category.id })).deleteCategory;
    expect(deleted).toEqual({ category: { id: category.id, name: 'Promotions' }, uncategorisedSegments: 1 });
    expect(dataOf(await gql('query($id: ID!) { segment(id: $id) { categoryId status } }', { id: member.id })).segment).toEqual({ categoryId: null, status: 'DRAFT' });
    expect(codeOf(await gql('query($id: ID!) { category(id: $id) { id } }', { id: category.id }))).toBe('NOT_FOUND');
    expect(codeOf(await gql('mutation($id: ID!) { deleteCategory(id: $id) { uncategorisedSegments } }', { id: category.id }))).toBe('NOT_FOUND');
    // The name is free again.
    expect(dataOf(await gql('mutation { createCategory(name: "Promotions") { name } }')).createCategory.name).toBe('Promotions');
  });

  it('publishing an old version that references a segment being deleted: never a published reference to nothing', async () => {
    // PGlite runs one statement at a time: the interleaving below only exists on PostgreSQL.
    if (suite.kind !== 'postgres') return;
    const target = await create({ slug: 'race-target', name: 'Target', rule: VN });
    await run('archiveSegment', target.id);
    const referrer = await create({ slug: 'race-user', name: 'Referrer', rule: { all: [{ segment: 'race-target' }, VN] } });
    // Its latest version no longer references the target: only version 1 does.
    dataOf(await gql(UPDATE, { input: { id: referrer.id, expectedVersion: 1, rule: VN } }));
    const waiting = async () =>
      (await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0]!.n;
    const until = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await done()); i++) await new Promise((r) => setTimeout(r, 20));
    };
    // Hold version 1's row: the publish validates (the target exists), enters its transaction and waits there.
    let release!: () => void;
    let locked!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const isLocked = new Promise<void>((r) => (locked = r));
    const blocker = suite.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from segment_versions where segment_id = ${referrer.id} and version = 1 for update`);
      locked();
      await held;
    });
    await isLocked;
    const publishing = gql('mutation($id: ID!) { publishSegment(id: $id, version: 1) { status publishedVersion } }', { id: referrer.id });
    await until(async () => (await waiting()) >= 1);
    let deleteSettled = false;
    const deleting = gql(DELETE, { id: target.id }).finally(() => (deleteSettled = true));
    // The deletion either waits for the publish (the target is share-locked by it) or, were it not, would finish now.
    await until(async () => deleteSettled || (await waiting()) >= 2);
    release();
    await blocker;
    const [published, deleted] = await Promise.all([publishing, deleting]);
    expect(dataOf(published).publishSegment).toEqual({ status: 'PUBLISHED', publishedVersion: 1 });
    expect(codeOf(deleted)).toBe('CONFLICT');
    expect(deleted.errors![0]!.extensions!.referencedBy).toEqual(['race-user']);
  });

  it('refuses to delete a segment while an export of it is being built', async () => {
    const list = await create({ slug: 'busy', name: 'Busy', type: 'STATIC' });
    await run('publishSegment', list.id);
    await api.jobs.stop(); // nothing builds it: it stays queued
    const queued = await requestExport(api, key, list.id, 'GENERIC', 'JSONL', 'FULL');
    await run('archiveSegment', list.id);
    const refused = await gql(DELETE, { id: list.id });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.extensions!.exportIds).toEqual([queued.id]);
  });
});
