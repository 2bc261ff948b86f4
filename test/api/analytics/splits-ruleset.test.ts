/**
 * A/B splits reach the edge: defineSplit rebuilds the ruleset feed at once (new version and ETag,
 * the split in `splits`), only splits of published segments are listed, and what the Worker would
 * assign from the feed is what splitAssignment answers for the same subject.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { prepareRuleset, variantsOf, type Ruleset } from '../../../schema/ruleset.js';
import { seedProfiles, staticList } from './fixtures.js';

const DEFINE = `mutation($s: ID!, $n: String!, $v: [SplitVariantInput!]!) { defineSplit(segmentId: $s, name: $n, variants: $v) { id } }`;
const ASSIGN = `query($s: ID!, $n: String!, $p: ID!) { splitAssignment(segmentId: $s, name: $n, profileId: $p) { variant } }`;
const VARIANTS = [{ name: 'control', weight: 1 }, { name: 'offer', weight: 2 }];

describeEachDatabase('A/B splits in the edge ruleset', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let members: string[];
  let segmentId: string;

  const feed = async (etag?: string) => {
    const response = await api.fetch('/v1/rulesets/current', { key: ws.keys.edge, headers: etag ? { 'if-none-match': etag } : {} });
    const body = response.status === 200 ? ((await response.json()) as Ruleset) : null;
    if (!body) await response.body?.cancel();
    return { status: response.status, etag: response.headers.get('etag')!, body };
  };

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    members = await seedProfiles(suite.db, ws.workspaceId, 'e', 20);
    segmentId = await staticList(suite.db, ws.workspaceId, 'vip-list', members);
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('a new split of a published segment changes the feed at once; the same split again does not', async () => {
    const before = await feed();
    expect(before.status).toBe(200);
    expect(before.body).not.toHaveProperty('splits');
    dataOf(await api.gql(DEFINE, { s: segmentId, n: 'banner', v: VARIANTS }, ws.keys.editor));
    const after = await feed(before.etag);
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(before.etag);
    expect(after.body!.version).not.toBe(before.body!.version);
    expect(after.body!.splits).toEqual([{ segment: 'vip-list', name: 'banner', variants: VARIANTS }]);
    expect(after.body!.format).toBe(1);

    dataOf(await api.gql(DEFINE, { s: segmentId, n: 'banner', v: VARIANTS }, ws.keys.editor));
    expect((await feed(after.etag)).status).toBe(304);
    expect(codeOf(await api.gql(DEFINE, { s: segmentId, n: 'banner', v: [...VARIANTS].reverse() }, ws.keys.editor))).toBe('CONFLICT');
    expect((await feed(after.etag)).status).toBe(304);
  });

  it('lists splits of published segments only: a draft segment’s split appears when it is published', async () => {
    const service = new SegmentService(suite.db, ws.workspaceId);
    const draft = await service.create({ slug: 'draft-list', name: 'Draft', type: 'static' });
    dataOf(await api.gql(DEFINE, { s: draft.id, n: 'hero', v: VARIANTS }, ws.keys.editor));
    expect((await feed()).body!.splits!.map((s) => `${s.segment}:${s.name}`)).toEqual(['vip-list:banner']);
    await service.publish(draft.id);
    expect((await feed()).body!.splits!.map((s) => `${s.segment}:${s.name}`)).toEqual(['draft-list:hero', 'vip-list:banner']);
  });

  it('the edge reads the feed, and its assignment over a subject equals splitAssignment for that profile id', async () => {
    const prepared = prepareRuleset((await feed()).body);
    if (!prepared.ok) throw new Error(prepared.errors.join('; '));
    for (const profileId of members.slice(0, 10)) {
      const { variant } = dataOf(await api.gql(ASSIGN, { s: segmentId, n: 'banner', p: profileId }, ws.keys.viewer)).splitAssignment;
      expect(variantsOf(prepared.ruleset.splits, ['vip-list'], profileId)).toEqual({ 'vip-list:banner': variant });
    }
  });
});
