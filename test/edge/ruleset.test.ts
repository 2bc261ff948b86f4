import { describe, expect, it } from 'vitest';
import { createEdge, rulesetJson, SEGMENTS, tagAnswer } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi', continent: 'AS' };

describe('ruleset delivery', () => {
  it('loads once with the edge key and serves from the isolate cache within the TTL', async () => {
    const edge = createEdge({ RULESET_TTL_SECONDS: '60' });
    for (let i = 0; i < 3; i++) expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).ruleset).toBe('v-test-1');
    expect(edge.upstream.rulesetCalls).toEqual([{ auth: 'Bearer edge-key-test', ifNoneMatch: null }]);
  });

  it('a cold isolate makes one request to the API for all the requests waiting for a ruleset', async () => {
    const edge = createEdge({ RULESET_TTL_SECONDS: '60' });
    const answers = await Promise.all([1, 2, 3].map(() => edge.tag('https://shop.example/', { cf: HANOI }).then(tagAnswer)));
    expect(answers.map((a) => a.ruleset)).toEqual(['v-test-1', 'v-test-1', 'v-test-1']);
    expect(edge.upstream.rulesetCalls).toHaveLength(1);
  });

  it('revalidates with the ETag once stale and picks up a publish without blocking', async () => {
    const edge = createEdge({ RULESET_TTL_SECONDS: '0' });
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).ruleset).toBe('v-test-1');
    await edge.tag('https://shop.example/', { cf: HANOI });
    expect(edge.upstream.rulesetCalls[1]).toEqual({ auth: 'Bearer edge-key-test', ifNoneMatch: '"etag-1"' });

    edge.upstream.ruleset = rulesetJson(SEGMENTS.filter((s) => s.slug !== 'hanoi'), 'v-test-2');
    edge.upstream.etag = '"etag-2"';
    // The request that notices staleness is answered from the cache; the refresh runs in waitUntil.
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).ruleset).toBe('v-test-1');
    const next = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }));
    expect(next.ruleset).toBe('v-test-2');
    expect(next.tags).toEqual(['sea-mobile']); // 'hanoi' was unpublished
  });

  for (const mode of ['down', 'garbage', 'invalid', 'status500', 'hang'] as const) {
    it(`keeps serving the last good ruleset when the API is ${mode}`, async () => {
      const edge = createEdge({ RULESET_TTL_SECONDS: '0', RULESET_TIMEOUT_MS: '100' });
      expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).tags).toContain('hanoi');
      edge.upstream.rulesetMode = mode;
      for (let i = 0; i < 2; i++) {
        const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }));
        expect(answer.ruleset).toBe('v-test-1');
        expect(answer.tags).toContain('hanoi');
      }
      expect(edge.upstream.rulesetCalls.length).toBeGreaterThanOrEqual(2);
    });
  }

  for (const mode of ['down', 'garbage', 'invalid', 'hang'] as const) {
    it(`with no ruleset at all and the API ${mode}: 200, no tags, ruleset null`, async () => {
      const edge = createEdge({ RULESET_TTL_SECONDS: '0', RULESET_TIMEOUT_MS: '100' });
      edge.upstream.rulesetMode = mode;
      const response = await edge.tag('https://shop.example/', { cf: HANOI });
      const answer = await tagAnswer(response);
      expect(answer).toMatchObject({ tags: [], ruleset: null });
      expect(answer.visitorId).not.toBeNull();
      edge.upstream.rulesetMode = 'ok';
      expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).ruleset).toBe('v-test-1');
    });
  }

  it('forgets the ruleset once the API refuses the edge key (revoked, workspace deleted) and tags nothing', async () => {
    const edge = createEdge({ RULESET_TTL_SECONDS: '0', RULESET_TIMEOUT_MS: '100' });
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).tags).toContain('hanoi');
    edge.upstream.rulesetMode = 'revoked';
    // The request that notices staleness still has the old answer; the refresh in waitUntil forgets it.
    await edge.tag('https://shop.example/', { cf: HANOI });
    for (let i = 0; i < 2; i++) expect(await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).toMatchObject({ tags: [], ruleset: null });
    // A key accepted again (re-issued) brings it back.
    edge.upstream.rulesetMode = 'ok';
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).ruleset).toBe('v-test-1');
  });

  it('without API_URL tags nothing and never fails', async () => {
    const edge = createEdge({ API_URL: undefined });
    expect(await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }))).toMatchObject({ tags: [], ruleset: null });
  });
});
