/**
 * A/B split variants at the edge: `variants` in POST /v1/tag and `x-audience-variants` in proxy
 * mode, assigned with schema/split.ts over the visitor id for the splits of tagged segments.
 */
import { describe, expect, it } from 'vitest';
import { assignVariant } from '../../schema/split.js';
import type { RulesetSplit } from '../../schema/ruleset.js';
import { variantsHeader } from '../../edge/routes/proxy.js';
import { createEdge, FakeUpstream, ORIGIN, rulesetJson, SEGMENTS, tagAnswer, UA_DESKTOP, UA_IPHONE, visitorCookie } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' };
const BERLIN = { country: 'DE', city: 'Berlin', continent: 'EU', timezone: 'Europe/Berlin' };
const DALLAS = { country: 'US', city: 'Dallas', continent: 'NA', timezone: 'America/Chicago' };
const HERO = [{ name: 'control', weight: 1 }, { name: 'new', weight: 3 }];
const CTA = [{ name: 'blue', weight: 1 }, { name: 'green', weight: 1 }, { name: 'red', weight: 2 }];
const SPLITS: RulesetSplit[] = [
  { segment: 'hanoi', name: 'hero', variants: HERO },
  { segment: 'sea-mobile', name: 'cta', variants: CTA },
  { segment: 'europe', name: 'hero', variants: HERO },
];

function edgeWithSplits(env: Parameters<typeof createEdge>[0] = {}, splits = SPLITS) {
  const upstream = new FakeUpstream();
  upstream.ruleset = rulesetJson(SEGMENTS, 'v-splits', splits);
  return createEdge(env, upstream);
}

describe('A/B split variants at the edge', () => {
  it('ships the splits in the ruleset document', () => {
    expect((rulesetJson(SEGMENTS, 'v', SPLITS) as { splits: unknown }).splits).toEqual(SPLITS);
    expect(rulesetJson()).not.toHaveProperty('splits');
  });

  it('answers the variant of each split of a tagged segment, the same on every request with the cookie', async () => {
    const edge = edgeWithSplits();
    const first = await edge.tag('https://shop.example/', { cf: HANOI });
    const a = await tagAnswer(first.clone());
    expect(a.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
    const visitorId = a.visitorId!;
    const expected = { 'hanoi:hero': assignVariant('hero', visitorId, HERO).name, 'sea-mobile:cta': assignVariant('cta', visitorId, CTA).name };
    expect(a.variants).toEqual(expected);
    let cookie = visitorCookie(first);
    for (let i = 0; i < 3; i++) {
      const next = await edge.tag(`https://shop.example/p${i}`, { cf: HANOI, cookie });
      cookie = visitorCookie(next.clone()) ?? cookie;
      const answer = await tagAnswer(next);
      expect(answer.visitorId).toBe(visitorId);
      expect(answer.variants).toEqual(expected);
    }
  });

  it('gives no variants for splits of segments the visitor is not tagged with', async () => {
    const edge = edgeWithSplits();
    const none = await tagAnswer(await edge.tag('https://shop.example/', { cf: DALLAS }));
    expect(none.tags).toEqual([]);
    expect(none.variants).toEqual({});
    const berlin = await tagAnswer(await edge.tag('https://shop.example/', { cf: BERLIN, headers: { 'user-agent': UA_DESKTOP } }));
    expect(berlin.tags).toEqual(['europe']);
    expect(Object.keys(berlin.variants)).toEqual(['europe:hero']);
  });

  it('spreads visitors over the variants by weight', async () => {
    const edge = edgeWithSplits();
    const n = 2000;
    const counts = new Map<string, number>();
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) {
      const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }));
      ids.add(answer.visitorId!);
      const variant = answer.variants['hanoi:hero']!;
      expect(variant).toBe(assignVariant('hero', answer.visitorId!, HERO).name);
      counts.set(variant, (counts.get(variant) ?? 0) + 1);
    }
    expect(ids.size).toBe(n);
    // Share of 'control' is 1/4; its binomial standard deviation over 2,000 is ~0.0097: 0.045 is 4.6 sigma.
    expect(Math.abs((counts.get('control') ?? 0) / n - 0.25)).toBeLessThan(0.045);
    expect(Math.abs((counts.get('new') ?? 0) / n - 0.75)).toBeLessThan(0.045);
  });

  it('gives no variants without a visitor id: consent refused, or no cookie secret', async () => {
    const refused = await tagAnswer(await edgeWithSplits().tag('https://shop.example/', { cf: HANOI, headers: { 'sec-gpc': '1' } }));
    expect(refused).toMatchObject({ visitorId: null, variants: {} });
    expect(refused.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
    const noSecret = await tagAnswer(await edgeWithSplits({ COOKIE_SECRET: undefined }).tag('https://shop.example/', { cf: HANOI }));
    expect(noSecret).toMatchObject({ visitorId: null, variants: {} });
  });

  it('still reads rulesets without splits (an empty variants object)', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }));
    expect(answer).toMatchObject({ ruleset: 'v-test-1', variants: {} });
    expect(answer.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
  });

  it('refuses a ruleset whose splits are malformed, like any invalid ruleset', async () => {
    const upstream = new FakeUpstream();
    upstream.ruleset = { ...(rulesetJson() as object), splits: [{ segment: 'nowhere', name: 'hero', variants: HERO }] };
    const answer = await tagAnswer(await createEdge({}, upstream).tag('https://shop.example/', { cf: HANOI }));
    expect(answer).toMatchObject({ tags: [], ruleset: null, variants: {} });
  });
});

describe('A/B split variants in proxy mode', () => {
  const page = (headers: Record<string, string> = {}) =>
    new Request('https://shop.example/', { headers: { 'user-agent': UA_IPHONE, accept: 'text/html', 'sec-fetch-dest': 'document', ...headers }, cf: HANOI });

  it('forwards x-audience-variants (and replaces a forged one)', async () => {
    const edge = edgeWithSplits({ ORIGIN_URL: ORIGIN });
    await edge.send(page({ 'x-audience-variants': 'hanoi:hero=forged' }));
    const forwarded = edge.upstream.origin[0]!;
    const visitorId = forwarded.headers.get('x-visitor-id')!;
    const header = forwarded.headers.get('x-audience-variants');
    expect(header?.split(',').sort()).toEqual([`hanoi:hero=${assignVariant('hero', visitorId, HERO).name}`, `sea-mobile:cta=${assignVariant('cta', visitorId, CTA).name}`]);
    await edge.send(page({ 'x-audience-variants': 'hanoi:hero=forged', 'sec-gpc': '1' }));
    expect(edge.upstream.origin[1]!.headers.get('x-audience-variants')).toBe('');
  });

  it('percent-encodes split and variant names in the header', () => {
    expect(variantsHeader({ 'hanoi:hero': 'new', 'vip:price, test': 'a=b é' })).toBe('hanoi:hero=new,vip:price%2C%20test=a%3Db%20%C3%A9');
    expect(variantsHeader({})).toBe('');
  });
});
