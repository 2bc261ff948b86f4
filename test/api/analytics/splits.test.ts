/**
 * A/B splits on PGlite and PostgreSQL: ae_split_hash in SQL equals schema/split.ts (property test),
 * members per variant counted in SQL equal the TypeScript assignment, stickiness, weights, and bad input.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { assignVariant, fnv1a32 } from '../../../schema/split.js';
import { seedProfiles, staticList } from './fixtures.js';

const DEFINE = `mutation($s: ID!, $n: String!, $v: [SplitVariantInput!]!) { defineSplit(segmentId: $s, name: $n, variants: $v) { id name variants { name weight members } } }`;
const SPLITS = `query($id: ID!) { segment(id: $id) { splits { name variants { name weight members } } } }`;
const ASSIGN = `query($s: ID!, $n: String!, $p: ID!) { splitAssignment(segmentId: $s, name: $n, profileId: $p) { variant bucket member profileId split } }`;
const VARIANTS = [{ name: 'control', weight: 1 }, { name: 'offer-a', weight: 1 }, { name: 'offer-b', weight: 2 }];

describeEachDatabase('A/B splits', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let members: string[];
  let outsider: string;
  let segmentId: string;
  const gql = (query: string, variables?: Record<string, unknown>, key?: string) => api.gql(query, variables, key ?? ws.keys.editor);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const ids = await seedProfiles(suite.db, ws.workspaceId, 's', 2001);
    members = ids.slice(0, 2000);
    outsider = ids[2000]!;
    segmentId = await staticList(suite.db, ws.workspaceId, 'test-audience', members);
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('ae_split_hash in SQL equals fnv1a32 for any text', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 48 }).filter((s) => !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 50 }), async (texts) => {
        const result = await suite.db.execute(sql`select t, ae_split_hash(t)::text as h from unnest(array[${sql.join(texts.map((t) => sql`${t}::text`), sql`, `)}]) as t`);
        const rows = result.rows as Array<{ t: string; h: string }>;
        expect(rows.map((r) => Number(r.h))).toEqual(rows.map((r) => fnv1a32(r.t)));
      }),
      { numRuns: 40 },
    );
    const uuid = randomUUID();
    const [row] = (await suite.db.execute(sql`select ae_split_hash(${`hero:${uuid}`})::text as h`)).rows as Array<{ h: string }>;
    expect(Number(row!.h)).toBe(fnv1a32(`hero:${uuid}`));
  });

  it('counts members per variant in SQL exactly as the TypeScript hash assigns them, near the weights', async () => {
    const made = dataOf(await gql(DEFINE, { s: segmentId, n: 'spring-offer', v: VARIANTS })).defineSplit;
    const expected = new Map(VARIANTS.map((v) => [v.name, 0]));
    for (const id of members) expected.set(assignVariant('spring-offer', id, VARIANTS).name, expected.get(assignVariant('spring-offer', id, VARIANTS).name)! + 1);
    expect(made.variants).toEqual(VARIANTS.map((v) => ({ ...v, members: expected.get(v.name) })));
    const { splits } = dataOf(await gql(SPLITS, { id: segmentId }, ws.keys.viewer)).segment;
    expect(splits).toEqual([{ name: 'spring-offer', variants: made.variants }]);
    // 2,000 members: the binomial standard deviation of a share is about 0.011; 4 sigma is 0.045.
    const total = VARIANTS.reduce((s, v) => s + v.weight, 0);
    for (const v of made.variants) expect(Math.abs(v.members / 2000 - v.weight / total)).toBeLessThan(0.045);
  });

  it('gives a profile the same variant every time, the one the hash names', async () => {
    for (const profileId of [members[0]!, members[1]!, members[1999]!, outsider]) {
      const first = dataOf(await gql(ASSIGN, { s: segmentId, n: 'spring-offer', p: profileId }, ws.keys.viewer)).splitAssignment;
      const again = dataOf(await gql(ASSIGN, { s: segmentId, n: 'spring-offer', p: profileId.toUpperCase() }, ws.keys.viewer)).splitAssignment;
      expect(again).toEqual(first);
      expect(first).toMatchObject({ variant: assignVariant('spring-offer', profileId, VARIANTS).name, member: profileId !== outsider, profileId, split: 'spring-offer' });
      expect(first.bucket).toBeGreaterThanOrEqual(0);
      expect(first.bucket).toBeLessThan(1);
    }
  });

  it('is idempotent for the same definition and refuses to change a running split', async () => {
    const first = dataOf(await gql(DEFINE, { s: segmentId, n: 'spring-offer', v: VARIANTS })).defineSplit;
    expect(first.name).toBe('spring-offer');
    const changed = await gql(DEFINE, { s: segmentId, n: 'spring-offer', v: [{ name: 'control', weight: 1 }, { name: 'offer-a', weight: 3 }] });
    expect(codeOf(changed)).toBe('CONFLICT');
  });

  it('refuses bad variants with every problem and its path', async () => {
    const cases: Array<[unknown[], string[]]> = [
      [[{ name: 'a', weight: 0 }, { name: 'b', weight: 1 }], ['variants[0].weight']],
      [[{ name: 'a', weight: -1 }, { name: 'a', weight: 1 }], ['variants[0].weight', 'variants[1].name']],
      [[{ name: 'only', weight: 1 }], ['variants']],
      [[{ name: '', weight: 1 }, { name: 'b', weight: 1 }], ['variants[0].name']],
    ];
    for (const [variants, paths] of cases) {
      const result = await gql(DEFINE, { s: segmentId, n: 'bad', v: variants });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect((result.errors?.[0]?.extensions?.problems as Array<{ path: string }>).map((p) => p.path)).toEqual(paths);
    }
    expect(codeOf(await gql(DEFINE, { s: segmentId, n: '  ', v: VARIANTS }))).toBe('BAD_USER_INPUT');
    expect(dataOf(await gql(SPLITS, { id: segmentId })).segment.splits.map((s: { name: string }) => s.name)).toEqual(['spring-offer']);
  });

  it('answers NOT_FOUND for an unknown segment, split or profile', async () => {
    expect(codeOf(await gql(DEFINE, { s: randomUUID(), n: 'x', v: VARIANTS }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(ASSIGN, { s: segmentId, n: 'no-such-split', p: members[0] }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(ASSIGN, { s: segmentId, n: 'spring-offer', p: randomUUID() }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(ASSIGN, { s: randomUUID(), n: 'spring-offer', p: members[0] }))).toBe('NOT_FOUND');
  });
});
