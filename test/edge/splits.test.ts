/**
 * A/B split variants at the edge: `variants` in POST /v1/tag and `x-audience-variants` in proxy
 * mode, assigned with schema/split.ts for the splits of tagged segments: over the profile id of an
 * identified visitor when the API gave it (as the API's `splitAssignment`), else over the visitor id.
 */
import { describe, expect, it } from 'vitest';
import { assignVariant } from '../../schema/split.js';
import type { RulesetSplit } from '../../schema/ruleset.js';
import { variantsHeader } from '../../edge/routes/proxy.js';
import { signIdentifyToken } from '../../edge/crypto/identify-token.js';
import { signVisitorState } from '../../edge/state/cookies.js';
import { createEdge, FakeUpstream, ORIGIN, rulesetJson, SEGMENTS, tagAnswer, testEnv, UA_DESKTOP, UA_IPHONE, visitorCookie } from './harness.js';

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

describe('A/B split variants of identified visitors', () => {
  const PROFILE_ID = '3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
  const variantsOver = (subject: string) => ({ 'hanoi:hero': assignVariant('hero', subject, HERO).name, 'sea-mobile:cta': assignVariant('cta', subject, CTA).name });
  const identify = async (edge: ReturnType<typeof createEdge>, cookie: string | undefined, externalId = 'cust-42') => {
    const token = await signIdentifyToken({ externalId, exp: Math.floor(Date.now() / 1000) + 3600 }, testEnv().IDENTIFY_SECRET!);
    const response = await edge.send(
      new Request('https://edge.shop.example/v1/identify', { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ token }) }),
    );
    expect(response.status).toBe(200);
    return response;
  };
  /** An anonymous visit, then identify: the visitor id and the identified cookie. */
  const identified = async (edge: ReturnType<typeof createEdge>, externalId = 'cust-42') => {
    const anonymous = await edge.tag('https://shop.example/', { cf: HANOI });
    const { visitorId, variants } = await tagAnswer(anonymous.clone());
    expect(variants).toEqual(variantsOver(visitorId!));
    return { visitorId: visitorId!, cookie: visitorCookie(await identify(edge, visitorCookie(anonymous), externalId)) };
  };

  it("assigns an identified visitor's variants over its profile id, as the API's splitAssignment", async () => {
    const edge = edgeWithSplits();
    edge.upstream.memberships.set('cust-42', ['loyal']);
    edge.upstream.profileIds.set('cust-42', PROFILE_ID.toUpperCase()); // any UUID spelling; the API hashes it lower-case
    const expected = variantsOver(PROFILE_ID);
    const visitorIds = new Set<string>();
    let differed = 0;
    // Several browsers of one profile: each had its own visitor-id variants, all get the profile's.
    for (let i = 0; i < 10; i++) {
      const { visitorId, cookie } = await identified(edge);
      visitorIds.add(visitorId);
      if (JSON.stringify(variantsOver(visitorId)) !== JSON.stringify(expected)) differed++;
      let jar = cookie;
      for (let j = 0; j < 2; j++) {
        const response = await edge.tag(`https://shop.example/p${j}`, { cf: HANOI, cookie: jar });
        jar = visitorCookie(response.clone()) ?? jar;
        const answer = await tagAnswer(response);
        expect(answer.visitorId).toBe(visitorId);
        expect(answer.tags).toContain('loyal-visitor');
        expect(answer.variants).toEqual(expected);
      }
    }
    expect(visitorIds.size).toBe(10);
    expect(differed).toBeGreaterThan(0); // the subject really changed for some of them
    expect(edge.upstream.membershipCalls).toBe(10); // the profile id is kept in the cookie, not refetched
  });

  it('forwards the profile-id variants in proxy mode too, and goes back to the visitor id on log-out', async () => {
    const edge = edgeWithSplits({ ORIGIN_URL: ORIGIN });
    edge.upstream.memberships.set('cust-42', []);
    edge.upstream.profileIds.set('cust-42', PROFILE_ID);
    const first = await edge.send(new Request('https://shop.example/', { headers: { 'user-agent': UA_IPHONE, accept: 'text/html', 'sec-fetch-dest': 'document' }, cf: HANOI }));
    const cookie = visitorCookie(await identify(edge, visitorCookie(first)));
    await edge.send(new Request('https://shop.example/next', { headers: { 'user-agent': UA_IPHONE, accept: 'text/html', 'sec-fetch-dest': 'document', cookie: cookie! }, cf: HANOI }));
    const header = edge.upstream.origin[1]!.headers.get('x-audience-variants');
    expect(header?.split(',').sort()).toEqual([`hanoi:hero=${assignVariant('hero', PROFILE_ID, HERO).name}`, `sea-mobile:cta=${assignVariant('cta', PROFILE_ID, CTA).name}`]);

    const out = await edge.send(new Request('https://edge.shop.example/v1/identify', { method: 'DELETE', headers: { cookie: cookie! } }));
    const after = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI, cookie: visitorCookie(out) }));
    expect(after.variants).toEqual(variantsOver(after.visitorId!));
  });

  it("keeps the visitor id as subject when the API's answer has no (valid) profileId, or the profile is unknown", async () => {
    for (const profileId of [undefined, 'not-a-uuid', 42, null, `${PROFILE_ID}0`]) {
      const edge = edgeWithSplits();
      edge.upstream.memberships.set('cust-42', ['loyal']);
      if (profileId !== undefined) edge.upstream.profileIds.set('cust-42', profileId);
      const { visitorId, cookie } = await identified(edge);
      const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI, cookie }));
      expect(answer.tags).toContain('loyal-visitor'); // identified all the same
      expect(answer.variants).toEqual(variantsOver(visitorId));
    }
    const unknown = edgeWithSplits();
    const { visitorId, cookie } = await identified(unknown, 'nobody');
    expect((await tagAnswer(await unknown.tag('https://shop.example/', { cf: HANOI, cookie }))).variants).toEqual(variantsOver(visitorId));
  });

  it('picks up the profile id when the memberships are refetched: API down at identify, or a cookie from before', async () => {
    const edge = edgeWithSplits();
    edge.upstream.memberships.set('cust-42', ['loyal']);
    edge.upstream.profileIds.set('cust-42', PROFILE_ID);
    edge.upstream.membershipsDown = true;
    const { visitorId, cookie } = await identified(edge);
    const down = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI, cookie })); // within the isolate's back-off
    expect(down.variants).toEqual(variantsOver(visitorId));
    edge.upstream.membershipsDown = false;
    const later = createEdge({}, edge.upstream); // another isolate: no back-off, the identity is fetched again
    const up = await tagAnswer(await later.tag('https://shop.example/', { cf: HANOI, cookie }));
    expect(up.tags).toContain('loyal-visitor');
    expect(up.variants).toEqual(variantsOver(PROFILE_ID));

    // A cookie identified before profile ids were kept (fresh memberships, no profile id): valid,
    // visitor-id variants until the memberships are refetched after MEMBERSHIP_TTL_SECONDS.
    const id = '7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a';
    const now = Date.now();
    const old = await signVisitorState({ id, history: { firstSeen: now, lastSeen: now, pageViews: 1, views: [] }, identity: { externalId: 'cust-42', segments: ['loyal'], fetchedAt: now } }, testEnv().COOKIE_SECRET!);
    const oldCookie = `ae_vid=${old}`;
    const cached = await tagAnswer(await edgeWithSplits().tag('https://shop.example/', { cf: HANOI, cookie: oldCookie }));
    expect(cached).toMatchObject({ visitorId: id, variants: variantsOver(id) });
    expect(cached.tags).toContain('loyal-visitor');
    const expired = edgeWithSplits({ MEMBERSHIP_TTL_SECONDS: '0' });
    expired.upstream.memberships.set('cust-42', ['loyal']);
    expired.upstream.profileIds.set('cust-42', PROFILE_ID);
    expect(await tagAnswer(await expired.tag('https://shop.example/', { cf: HANOI, cookie: oldCookie }))).toMatchObject({ visitorId: id, variants: variantsOver(PROFILE_ID) });
  });
});
