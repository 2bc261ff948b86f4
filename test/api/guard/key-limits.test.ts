/**
 * One key cannot stall the API: per-request cost budget, per-key cost rate and concurrency
 * (RATE_LIMITED, 429 + Retry-After), and the statement timeout of request queries (TIMEOUT), which
 * mutations and background jobs do not get.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { MAX_PREVIEWS, previews, seedProfiles } from './limits-helpers.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { KeyLimiter } from '../../../api/http/key-limiter.js';
import { MAX_QUERY_COMPLEXITY } from '../../../api/graphql/limits.js';

const RULE = { attr: 'traits.plan', op: 'eq', value: 'pro' };

describe('KeyLimiter', () => {
  it('refills its bucket at the rate, and refuses with the seconds until a request fits', () => {
    let now = 0;
    const limiter = new KeyLimiter({ costPerSecond: 1000, burst: 10_000, concurrency: 2 }, () => now);
    limiter.charge('a', 10_000);
    expect(() => limiter.charge('a', 2500)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: 3 }));
    limiter.charge('b', 10_000); // another key has its own bucket
    now = 2500;
    limiter.charge('a', 2500);
    expect(() => limiter.charge('a', 1)).toThrow(/retry later/);
  });

  it('holds at most `concurrency` requests of a key, and frees a slot once', () => {
    const limiter = new KeyLimiter({ costPerSecond: 0, burst: 0, concurrency: 2 });
    const first = limiter.enter('a');
    limiter.enter('a');
    expect(() => limiter.enter('a')).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: 1 }));
    limiter.enter('b');
    first();
    first();
    limiter.enter('a');
    expect(() => limiter.enter('a')).toThrow(/already has 2 requests running/);
  });
});

describeEachDatabase('per-key limits over HTTP', (suite) => {
  let api: TestApi;
  let a: TestWorkspace;
  let b: TestWorkspace;

  beforeAll(async () => {
    api = await startTestApi(suite.db, undefined, { limits: { costPerSecond: 50, burst: MAX_QUERY_COMPLEXITY, concurrency: 1 } });
    a = await seedProfiles(suite.db, api, 3000, 'A');
    b = await seedProfiles(suite.db, api, 30, 'B');
  });
  afterAll(() => api?.close());

  it("refuses the issue's 4,900 aliases before running any, and runs the budget's worth", async () => {
    const refused = await api.gql(previews(4900), { r: RULE }, a.keys.viewer);
    expect(codeOf(refused)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.errors![0]!.message).toMatch(/cost is 2450000; the limit is 10000/);
    const allowed = dataOf(await api.gql(previews(MAX_PREVIEWS), { r: RULE }, a.keys.viewer));
    expect(Object.keys(allowed)).toHaveLength(MAX_PREVIEWS);
    expect(allowed.p0.size).toBe(1000);
  });

  it('then refuses the key with RATE_LIMITED, 429 and Retry-After (GraphQL and REST); other keys go on', async () => {
    const response = await api.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: previews(MAX_PREVIEWS), variables: { r: RULE } }),
      key: a.keys.viewer,
    });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string; retryAfter: number } }> };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0]!.extensions.retryAfter).toBeGreaterThanOrEqual(150);
    expect(Number(response.headers.get('retry-after'))).toBe(body.errors[0]!.extensions.retryAfter);

    const ids = dataOf(await api.gql('{ segments(first: 2) { edges { node { id } } } }', {}, a.keys.admin));
    expect(ids).toBeDefined(); // the admin key of A has its own bucket
    const chart = await api.fetch('/v1/analytics/overlap.svg?ids=x,y', { key: a.keys.viewer });
    expect(chart.status).toBe(429);
    expect(Number(chart.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await chart.json()) as any).error).toMatchObject({ code: 'RATE_LIMITED' });

    expect(dataOf(await api.gql(previews(1), { r: RULE }, b.keys.viewer)).p0.size).toBe(10);
  });

  // On PGlite a running request's statements run back to back on the event loop: the next request
  // is read only after it ends, so one key's requests are already one at a time there.
  it.skipIf(suite.kind === 'pglite')("refuses a key's requests beyond its concurrency while one runs (no cost rate here)", async () => {
    const solo = await startTestApi(suite.db, undefined, { limits: { costPerSecond: 0, burst: MAX_QUERY_COMPLEXITY, concurrency: 1 } });
    try {
      const sent = await Promise.all(Array.from({ length: 6 }, () => solo.gql(previews(15), { r: RULE }, a.keys.editor)));
      const refused = sent.filter((r) => codeOf(r) === 'RATE_LIMITED');
      expect(sent.filter((r) => !r.errors).length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.status).toBe(429);
      expect(refused[0]!.errors![0]!.message).toMatch(/already has 1 requests running/);
      expect(refused[0]!.errors![0]!.extensions).toMatchObject({ retryAfter: 1 });
    } finally {
      await solo.close();
    }
  });
});

describeEachDatabase(
  'statement timeout of request queries',
  (suite) => {
    let api: TestApi;
    let big: TestWorkspace;

    beforeAll(async () => {
      // 5 ms: any count over 60,000 profiles runs longer.
      api = await startTestApi(suite.db, undefined, { statementTimeoutMs: 5 });
      big = await seedProfiles(suite.db, api, 60_000, 'Big');
    });
    afterAll(() => api?.close());

    it('stops a long query with TIMEOUT, not an internal error', async () => {
      const result = await api.gql(previews(3), { r: RULE }, big.keys.viewer);
      expect(result.errors!.length).toBeGreaterThan(0);
      expect(new Set(result.errors!.map((e) => e.extensions?.code))).toEqual(new Set(['TIMEOUT']));
      expect(result.errors![0]!.message).toMatch(/took too long/);
      // The next request starts afresh.
      expect(dataOf(await api.gql('{ workspace { name } }', {}, big.keys.viewer)).workspace.name).toBe('Big');
    });

    it('leaves mutations and background jobs without it: a publish recomputes 60,000 profiles, an export builds', async () => {
      const created = dataOf(await api.gql('mutation($rule: JSON) { createSegment(input: { slug: "pro", name: "Pro", rule: $rule }) { id } }', { rule: RULE }, big.keys.admin));
      const id = created.createSegment.id as string;
      const published = dataOf(await api.gql(`mutation { publishSegment(id: "${id}") { status size } }`, {}, big.keys.admin));
      expect(published.publishSegment).toEqual({ status: 'PUBLISHED', size: 20_000 });
      const exported = dataOf(await api.gql(`mutation { createAudienceExport(segmentId: "${id}", destination: GENERIC, format: CSV, mode: FULL) { id } }`, {}, big.keys.admin));
      await api.jobs.settle();
      const status = await suite.db.execute<{ status: string; error: string | null }>(sql`select status, error from audience_exports where id = ${exported.createAudienceExport.id}::uuid`);
      expect(status.rows[0]).toEqual({ status: 'done', error: null });
    });
  },
  ['postgres'],
);
