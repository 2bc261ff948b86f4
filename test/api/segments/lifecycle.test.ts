/**
 * The lifecycle catalogue and createLifecycleSegments through GraphQL: 13 templates in the 4
 * categories of DOMAIN.md, each with the thresholds it reads (meaning, default, value in effect,
 * bounds), bad thresholds named with their paths, and the segments created in those categories.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

const CATALOGUE = `query($p: JSON) { lifecycleTemplates(parameters: $p) {
  slug name category description rule
  parameters { name description default value unit integer min minExclusive max allowed usedBy } } }`;
const CATEGORIES = ['Prospects', 'Good customers', 'Bad customers', 'Great customers'];

describeEachDatabase('lifecycle catalogue', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Lifecycle');
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('lists the 13 templates in the 4 categories with their thresholds', async () => {
    const templates = dataOf(await api.gql(CATALOGUE, {}, ws.keys.viewer)).lifecycleTemplates;
    expect(templates.map((t: any) => t.slug)).toEqual(['prospect', 'suspect', 'lead', 'new', 'active', 'novice', 'repeat', 'at-risk', 'lapsed', 'unhappy', 'loyal', 'referral', 'advocate']);
    expect([...new Set(templates.map((t: any) => t.category))]).toEqual(CATEGORIES);
    const newcomers = templates.find((t: any) => t.slug === 'new');
    expect(newcomers).toMatchObject({ category: 'Good customers', description: 'First purchase within the last 30 days.', rule: { all: [{ attr: 'purchases.first', op: 'inLastDays', value: 30 }] } });
    expect(newcomers.parameters).toEqual([
      {
        name: 'newWithinDays',
        description: expect.stringMatching(/^New customers: first purchase within this many days/),
        default: 30,
        value: 30,
        unit: 'days',
        integer: true,
        min: 1,
        minExclusive: false,
        max: 3650,
        allowed: 'a whole number of days from 1 to 3650',
        usedBy: ['new'],
      },
    ]);
    const atRisk = templates.find((t: any) => t.slug === 'at-risk');
    expect(atRisk.parameters.map((p: any) => p.name)).toEqual(['atRiskOverdueRatio', 'lapsedOverdueRatio']);
    expect(atRisk.parameters[0]).toMatchObject({ unit: 'ratio', integer: false, min: 0, minExclusive: true, usedBy: ['active', 'repeat', 'at-risk'] });
    const names = new Set(templates.flatMap((t: any) => t.parameters.map((p: any) => p.name)));
    expect(names.size).toBe(25);
  });

  it('applies the given thresholds to rules, meanings and values', async () => {
    const templates = dataOf(await api.gql(CATALOGUE, { p: { newWithinDays: 45, lapsedOverdueRatio: 2.5 } }, ws.keys.editor)).lifecycleTemplates;
    const newcomers = templates.find((t: any) => t.slug === 'new');
    expect(newcomers.description).toBe('First purchase within the last 45 days.');
    expect(newcomers.rule.all[0].value).toBe(45);
    expect(newcomers.parameters[0]).toMatchObject({ default: 30, value: 45 });
    expect(templates.find((t: any) => t.slug === 'lapsed').parameters.find((p: any) => p.name === 'lapsedOverdueRatio')).toMatchObject({ default: 2, value: 2.5 });
  });

  it('names every bad threshold with its path', async () => {
    const result = await api.gql(CATALOGUE, { p: { newWithinDays: 0, newWithinDay: 30 } }, ws.keys.viewer);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect((result.errors![0]!.extensions!.problems as Array<{ path: string }>).map((p) => p.path)).toEqual(['$.newWithinDay', '$.newWithinDays']);
    expect(result.errors![0]!.message).toMatch(/did you mean 'newWithinDays'/);
    const notObject = await api.gql(CATALOGUE, { p: [1] }, ws.keys.viewer);
    expect(codeOf(notObject)).toBe('BAD_USER_INPUT');
    expect(notObject.errors![0]!.message).toMatch(/must be an object/);
    expect(codeOf(await api.gql(CATALOGUE, {}, ws.keys.ingest))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(CATALOGUE, {}, null))).toBe('UNAUTHENTICATED');
  });

  it('creates the segments in those 4 categories, with the rules the catalogue shows', async () => {
    const parameters = { newWithinDays: 45 };
    const catalogue = dataOf(await api.gql(CATALOGUE, { p: parameters }, ws.keys.editor)).lifecycleTemplates;
    const created = dataOf(
      await api.gql('mutation($p: JSON) { createLifecycleSegments(parameters: $p, publish: false) { slug description rule category { name description } } }', { p: parameters }, ws.keys.editor),
    ).createLifecycleSegments;
    expect(created.map((s: any) => [s.slug, s.category.name, s.description, s.rule])).toEqual(catalogue.map((t: any) => [t.slug, t.category, t.description, t.rule]));
    const categories = dataOf(await api.gql('{ categories { edges { node { name description segments(first: 10) { edges { node { slug } } } } } } }', {}, ws.keys.viewer)).categories.edges.map((e: any) => e.node);
    expect(categories.map((c: any) => c.name)).toEqual(CATEGORIES);
    // Created in one transaction, the segments of a category share their creation instant: compared as sets.
    const slugs = (c: any) => c.segments.edges.map((e: any) => e.node.slug).sort();
    expect(categories.map(slugs)).toEqual([['lead', 'prospect', 'suspect'], ['active', 'new', 'novice', 'repeat'], ['at-risk', 'lapsed', 'unhappy'], ['advocate', 'loyal', 'referral']]);
    expect(categories[2].description).toBe('Customers slipping away or unhappy: at risk, lapsed, unhappy.');
    const again = await api.gql('mutation { createLifecycleSegments(publish: false) { slug } }', {}, ws.keys.editor);
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.errors![0]!.message).toMatch(/delete them first \(archiveSegment, then deleteSegment\)/);
  });
});
