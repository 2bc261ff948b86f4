/**
 * Segment.health over GraphQL on PGlite and PostgreSQL: a verdict with figures for each of the five
 * marks of a good segment, on segments built to pass or fail each one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { seedProfiles, setSizeHistory, staticList } from './fixtures.js';

const HEALTH = `query($id: ID!) { segment(id: $id) { health { verdict checks { criterion verdict explanation figures { name value unit } } } } }`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

type Check = { criterion: string; verdict: string; explanation: string; figures: Array<{ name: string; value: number | null }> };

describeEachDatabase('Segment.health', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const ids: Record<string, string> = {};
  const health = async (slug: string) => {
    const data = dataOf(await api.gql(HEALTH, { id: ids[slug] }, ws.keys.viewer));
    const checks = data.segment.health.checks as Check[];
    return { verdict: data.segment.health.verdict as string, by: Object.fromEntries(checks.map((c) => [c.criterion, c])) as Record<string, Check> };
  };
  const figure = (check: Check | undefined, name: string) => check?.figures.find((f) => f.name === name)?.value;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const p = await seedProfiles(suite.db, ws.workspaceId, 'h', 700, (i) => (i < 120 ? { email: `h${i}@example.com`, consent: { email: true } } : {}));
    const members = { good: range(0, 150), twin: range(300, 400), twin2: range(300, 395), shaky: range(500, 620), tiny: range(650, 655) };
    for (const [slug, list] of Object.entries(members)) ids[slug] = await staticList(suite.db, ws.workspaceId, slug, list.map((i) => p[i]!));
    await setSizeHistory(suite.db, ws.workspaceId, ids.good!, [{ at: daysAgo(40), size: 140 }, { at: daysAgo(10), size: 150 }]);
    await setSizeHistory(suite.db, ws.workspaceId, ids.twin!, [{ at: daysAgo(60), size: 100 }]);
    await setSizeHistory(suite.db, ws.workspaceId, ids.shaky!, [{ at: daysAgo(40), size: 100 }, { at: daysAgo(20), size: 300 }, { at: daysAgo(5), size: 120 }]);
    ids.draft = (await new SegmentService(suite.db, ws.workspaceId).create({ slug: 'draft', name: 'Draft', type: 'dynamic', rule: { attr: 'purchases.count', op: 'gte', value: 1 } })).id;
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('passes a large, steady, reachable, distinct segment on every criterion, with the figures', async () => {
    const { verdict, by } = await health('good');
    expect(Object.keys(by)).toEqual(['MEASURABLE', 'SUBSTANTIAL', 'STABLE', 'ACCESSIBLE', 'DISTINCT']);
    expect(Object.values(by).map((c) => c.verdict)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    expect(verdict).toBe('OK');
    expect(figure(by.SUBSTANTIAL, 'size')).toBe(150);
    expect(figure(by.SUBSTANTIAL, 'workspaceProfiles')).toBe(700);
    expect(figure(by.SUBSTANTIAL, 'share')).toBeCloseTo(150 / 700, 12);
    expect(figure(by.STABLE, 'swing')).toBeCloseTo(10 / 150, 12);
    expect(figure(by.STABLE, 'min')).toBe(140);
    expect(figure(by.ACCESSIBLE, 'reachableShare')).toBeCloseTo(120 / 150, 12);
    expect(figure(by.DISTINCT, 'maxJaccard')).toBe(0);
    expect(figure(by.DISTINCT, 'comparedSegments')).toBe(4);
    for (const check of Object.values(by)) expect(check.explanation.length).toBeGreaterThan(10);
  });

  it('fails DISTINCT for nearly identical segments, naming the other one', async () => {
    const { verdict, by } = await health('twin');
    expect(by.DISTINCT).toMatchObject({ verdict: 'FAIL', explanation: expect.stringContaining("'twin2'") });
    expect(figure(by.DISTINCT, 'maxJaccard')).toBeCloseTo(0.95, 12);
    expect(verdict).toBe('FAIL');
    expect((await health('twin2')).by.DISTINCT?.verdict).toBe('FAIL');
  });

  it('fails STABLE for a segment whose size swung by most of itself in four weeks, and ACCESSIBLE for one nobody can reach', async () => {
    const { by } = await health('shaky');
    expect(by.STABLE).toMatchObject({ verdict: 'FAIL', explanation: expect.stringMatching(/^Unstable/) });
    expect(figure(by.STABLE, 'swing')).toBeCloseTo(200 / 300, 12);
    expect(by.ACCESSIBLE?.verdict).toBe('FAIL');
    expect(figure(by.ACCESSIBLE, 'reachableShare')).toBe(0);
  });

  it('fails SUBSTANTIAL for a tiny segment and cannot yet call a new one stable', async () => {
    const { by } = await health('tiny');
    expect(by.SUBSTANTIAL?.verdict).toBe('FAIL');
    expect(by.STABLE).toMatchObject({ verdict: 'WARNING', explanation: expect.stringMatching(/^Younger than 28 days/) });
  });

  it('warns that a draft is measured by its rule only', async () => {
    const { by } = await health('draft');
    expect(by.MEASURABLE?.verdict).toBe('WARNING');
    expect(by.ACCESSIBLE?.verdict).toBe('WARNING');
    expect(by.DISTINCT?.verdict).toBe('WARNING');
  });

  it('judges every segment of a page in one request', async () => {
    const data = dataOf(await api.gql('{ segments(first: 20) { edges { node { slug health { verdict } } } } }', {}, ws.keys.viewer));
    const verdicts = Object.fromEntries(data.segments.edges.map((e: any) => [e.node.slug, e.node.health.verdict]));
    expect(verdicts).toMatchObject({ good: 'OK', twin: 'FAIL', shaky: 'FAIL', tiny: 'FAIL', draft: 'FAIL' });
  });
});
