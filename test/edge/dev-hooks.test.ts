/**
 * The dev/bench hooks: the `x-ae-dev-cf` geography header and `POST /__bench/constant` are inert
 * unless their env flag is "true" (they are never set in production).
 */
import { describe, expect, it } from 'vitest';
import { createEdge, ORIGIN, tagAnswer } from './harness.js';

const DALLAS = { country: 'US', city: 'Dallas', continent: 'NA' };
const VN = JSON.stringify({ country: 'VN', city: 'Hanoi' });

describe('dev geography header', () => {
  it('is ignored by default: geography comes from cf', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: DALLAS, headers: { 'x-ae-dev-cf': VN } }));
    expect(answer.tags).toEqual([]);
  });

  it('replaces cf when DEV_CF_HEADER=true', async () => {
    const edge = createEdge({ DEV_CF_HEADER: 'true' });
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: DALLAS, headers: { 'x-ae-dev-cf': VN } }));
    expect(answer.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
  });

  it('falls back to cf when the header is absent, garbage or oversized', async () => {
    const edge = createEdge({ DEV_CF_HEADER: 'true' });
    const bangkok = { country: 'TH' };
    for (const value of [undefined, 'not json', '["VN"]', JSON.stringify({ country: 'VN', pad: 'x'.repeat(2000) })]) {
      const headers: Record<string, string> = value === undefined ? {} : { 'x-ae-dev-cf': value };
      expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: bangkok, headers }))).tags).toEqual(['sea-mobile']);
    }
  });
});

describe('POST /__bench/constant', () => {
  const post = () => new Request('https://edge.shop.example/__bench/constant', { method: 'POST', body: '{"url":"https://shop.example/"}' });

  it('answers a constant response when BENCH_CONSTANT=true, without touching the ruleset', async () => {
    const edge = createEdge({ BENCH_CONSTANT: 'true' });
    const response = await edge.send(post());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ visitorId: null, tags: [], ruleset: null });
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(edge.upstream.rulesetCalls).toHaveLength(0);
  });

  it('is an ordinary path otherwise: 404 without an origin, proxied with one', async () => {
    expect((await createEdge().send(post())).status).toBe(404);
    const proxied = createEdge({ ORIGIN_URL: ORIGIN });
    expect((await proxied.send(post())).status).toBe(200);
    expect(proxied.upstream.origin.map((r) => new URL(r.url).pathname)).toEqual(['/__bench/constant']);
  });
});
