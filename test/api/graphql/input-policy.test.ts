/**
 * The input policy: NUL (U+0000) or a lone surrogate in any string or object key of any argument,
 * literal or variable, and any input nested deeper than 64 levels, is BAD_USER_INPUT with the
 * argument's path (REST: 400 with the field), never an internal error, and nothing is written.
 * Property-tested over every string/JSON argument of the API (input-surfaces.ts) on both databases.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type GraphQLResult, type TestApi, type TestWorkspace } from '../harness.js';
import { inject, inputSurfaces, slotsOf } from './input-surfaces.js';

const BAD = ['\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const RUNS = 12;

function expectRefused(result: GraphQLResult, path: string): void {
  expect(result.status).toBe(400);
  expect(codeOf(result)).toBe('BAD_USER_INPUT');
  const problems = result.errors![0]!.extensions!.problems as Array<{ path: string; message: string }>;
  expect(problems.map((p) => p.path)).toContain(path);
}

describeEachDatabase('input policy', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const ids: Record<string, string> = {};
  const gql = (query: string, variables?: Record<string, unknown>) => api.gql(query, variables, ws.keys.admin);

  /** Row counts of every table the API writes: equal before and after a refused request. */
  async function written(): Promise<string> {
    const tables = ['profiles', 'events', 'profile_visitors', 'profile_tombstones', 'segments', 'segment_versions', 'segment_splits', 'categories', 'trait_definitions', 'api_keys', 'audience_exports'];
    const result = await suite.db.execute(sql.raw(`select ${tables.map((t) => `(select count(*) from ${t})::int as ${t}`).join(', ')}`));
    return JSON.stringify((result as unknown as { rows: unknown[] }).rows ?? result);
  }

  beforeAll(async () => {
    api = await startTestApi(suite.db);
    ws = await createTestWorkspace(suite.db);
    dataOf(await gql('mutation { defineTrait(name: "plan", type: STRING) { id } }'));
    const input = { slug: 'existing', name: 'Existing', rule: { all: [] } };
    ids.segmentId = dataOf(await gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input })).createSegment.id;
    ids.profileId = dataOf(await gql('mutation { upsertProfile(input: { externalId: "cust-0" }) { id } }')).upsertProfile.id;
    ids.categoryId = dataOf(await gql('mutation { createCategory(name: "Existing") { id } }')).createCategory.id;
  });
  afterAll(() => api?.close());

  it.each(inputSurfaces.map((s) => [s.name, s] as const))('%s: every string and key with NUL or a lone surrogate is BAD_USER_INPUT with its path', async (_name, surface) => {
    const valid = surface.variables(ids);
    const slots = slotsOf(valid);
    expect(slots.length).toBeGreaterThan(0);
    const before = await written();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...slots), fc.constantFrom(...BAD), fc.double({ min: 0, max: 1, noNaN: true }), async (slot, bad, at) => {
        const { value, path } = inject(valid, slot, bad, at);
        expectRefused(await gql(surface.query, value), path);
      }),
      { numRuns: Math.max(RUNS, slots.length * 2) },
    );
    expect(await written()).toBe(before);
  });

  it('refuses bad characters in literals too (segment(slug:), profile(externalId:), an inline rule), and takes an inline rule', async () => {
    expectRefused(await gql('{ segment(slug: "vi\\u0000p") { id } }'), 'slug');
    expectRefused(await gql('{ profile(externalId: "cust\\u0000") { id } }'), 'externalId');
    const inline = (value: string) => `mutation { createSegment(input: { slug: "inline", name: "Inline", rule: { all: [{ attr: "geo.country", op: "eq", value: ${value} }] } }) { id rule } }`;
    expectRefused(await gql(inline('"V\\u0000N"')), 'input.rule.all[0].value');
    // The inline rule itself (once an internal error: the JSON literal had no prototype).
    const created = dataOf(await gql(inline('"VN"'))).createSegment;
    expect(created.rule).toEqual({ all: [{ attr: 'geo.country', op: 'eq', value: 'VN' }] });
  });

  it('keeps text with any valid character, surrogate pairs included', async () => {
    const name = 'Khách hàng 😀 \u0001\t"\\';
    const made = dataOf(await gql('mutation($name: String!) { createCategory(name: $name) { name } }', { name })).createCategory;
    expect(made.name).toBe(name);
  });

  it('refuses a JSON variable nested 20,000 deep with BAD_USER_INPUT, not a stack overflow', async () => {
    const before = await written();
    // 20,000 levels as JSON text (JSON.stringify itself would overflow the test's stack).
    const deep = '{"all":['.repeat(10_000) + '"x"' + ']}'.repeat(10_000);
    for (const [query, variables, path] of [
      ['query($rule: JSON!) { validateRule(rule: $rule) { valid } }', `{"rule":${deep}}`, 'rule'],
      ['mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', `{"input":{"slug":"deep","name":"Deep","rule":${deep}}}`, 'input.rule'],
      ['mutation($input: ProfileInput!) { upsertProfile(input: $input) { id } }', `{"input":{"externalId":"deep","traits":{"plan":${deep}}}}`, 'input.traits.plan'],
      [
        'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted } }',
        `{"events":[{"eventId":"d","externalId":"deep","name":"x","timestamp":"2026-01-01T00:00:00Z","properties":{"p":${deep}}}]}`,
        'events[0].properties.p',
      ],
    ] as const) {
      const response = await api.fetch('/graphql', {
        method: 'POST',
        key: ws.keys.admin,
        headers: { 'content-type': 'application/json' },
        body: `{"query":${JSON.stringify(query)},"variables":${variables}}`,
      });
      expect(response.status).toBe(400);
      const result = (await response.json()) as GraphQLResult;
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      const problems = result.errors![0]!.extensions!.problems as Array<{ path: string }>;
      expect(problems[0]!.path.startsWith(path)).toBe(true);
    }
    expect(await written()).toBe(before);
  });

  it('REST: a NUL in the externalId of the memberships endpoint or an export id is 400 with the field', async () => {
    for (const [path, key, field] of [
      ['/v1/profiles/cust%000/memberships', ws.keys.edge, 'externalId'],
      ['/v1/exports/abc%00', ws.keys.admin, 'id'],
    ] as const) {
      const response = await api.fetch(path, { key });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; problems: Array<{ path: string }> } };
      expect(body.error.code).toBe('BAD_USER_INPUT');
      expect(body.error.problems[0]!.path).toBe(field);
    }
  });
});
