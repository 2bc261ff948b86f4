/**
 * Several sites in one Worker (SITES, edge/sites/): each site is found by the host the Worker is
 * called on, tags with the ruleset of its own key, signs its own cookies and identify tokens, and
 * reports with its own key; a host of no site gets nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/index.js';
import { signIdentifyToken } from '../../edge/crypto/identify-token.js';
import { KEY_A, KEY_B, SECRETS, TWO_SITES } from './sites-fixture.js';
import { createEdge, FakeUpstream, rulesetJson, SEGMENTS, tagAnswer, UA_IPHONE, visitorCookie, type Edge } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi' };
// Shop A publishes `hanoi` (and `returning`), shop B `sea-mobile` (and `returning`).
const RULESET_A = rulesetJson(SEGMENTS.filter((s) => ['hanoi', 'returning'].includes(s.slug)), 'v-shop-a');
const RULESET_B = rulesetJson(SEGMENTS.filter((s) => ['sea-mobile', 'returning'].includes(s.slug)), 'v-shop-b');

function twoSites(overrides: Partial<Env> = {}): Edge {
  const upstream = new FakeUpstream();
  upstream.rulesetsByAuth.set(`Bearer ${KEY_A}`, RULESET_A);
  upstream.rulesetsByAuth.set(`Bearer ${KEY_B}`, RULESET_B);
  // The single-site variables of testEnv stay set: with SITES they are not used.
  return createEdge({ SITES: JSON.stringify(TWO_SITES), ...SECRETS, ...overrides } as Partial<Env>, upstream);
}

/** POST /v1/tag on `edgeHost` for `page`. */
function tagAt(edge: Edge, edgeHost: string, page: string, headers: Record<string, string> = {}): Promise<Response> {
  return edge.send(
    new Request(`https://${edgeHost}/v1/tag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': UA_IPHONE, ...headers },
      body: JSON.stringify({ url: page }),
      cf: HANOI,
    }),
  );
}

async function errorOf(response: Response): Promise<{ status: number; error: string; message: string; cookies: string[] }> {
  const body = (await response.json()) as { error: string; message: string };
  return { status: response.status, ...body, cookies: response.headers.getSetCookie() };
}

describe('several sites in one Worker', () => {
  it('tags each site with the ruleset of its own key', async () => {
    const edge = twoSites();
    const a = await tagAnswer(await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/'));
    const b = await tagAnswer(await tagAt(edge, 'edge.shop-b.example', 'https://shop-b.example/'));
    expect([a.ruleset, a.tags]).toEqual(['v-shop-a', ['hanoi']]);
    expect([b.ruleset, b.tags]).toEqual(['v-shop-b', ['sea-mobile']]);
    // A wildcard host and the site's own host serve the same site.
    expect((await tagAnswer(await tagAt(edge, 'shop-a.example', 'https://www.shop-a.example/x'))).ruleset).toBe('v-shop-a');
    expect(edge.upstream.rulesetCalls.map((c) => c.auth).sort()).toEqual([`Bearer ${KEY_A}`, `Bearer ${KEY_B}`]);
  });

  it("a cookie of site A is ignored on site B (a new visitor there), and still valid on A", async () => {
    const edge = twoSites();
    const first = await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/');
    const cookieA = visitorCookie(first);
    const visitorA = (await tagAnswer(first.clone())).visitorId;
    expect(first.headers.getSetCookie()[0]).toContain('; Domain=shop-a.example;');

    const onB = await tagAt(edge, 'edge.shop-b.example', 'https://shop-b.example/', { cookie: cookieA! });
    const answerB = await tagAnswer(onB.clone());
    expect(answerB.visitorId).not.toBe(visitorA);
    expect(answerB.tags).not.toContain('returning');
    expect(onB.headers.getSetCookie()[0]).not.toContain('Domain=');

    const againOnA = await tagAnswer(await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/next', { cookie: cookieA! }));
    expect(againOnA.visitorId).toBe(visitorA);
    expect(againOnA.tags).toContain('returning');
    // And B's cookie on A is not A's visitor either.
    const bOnA = await tagAnswer(await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/', { cookie: visitorCookie(onB)! }));
    expect([bOnA.visitorId === answerB.visitorId, bOnA.tags.includes('returning')]).toEqual([false, false]);
  });

  it("reports each site's page views with its own key, never in one batch", async () => {
    const edge = twoSites({ REPORT_BATCH_MS: '50' });
    const pages = ['a1', 'b1', 'a2', 'b2', 'a3'];
    // Concurrent requests, so both sites' reporters have a batch open at once.
    await Promise.all(pages.map((p) => (p.startsWith('a') ? tagAt(edge, 'edge.shop-a.example', `https://shop-a.example/${p}`) : tagAt(edge, 'edge.shop-b.example', `https://shop-b.example/${p}`))));
    const posts = edge.upstream.eventPostsByAuth;
    expect(posts.flatMap((p) => p.events)).toHaveLength(5);
    for (const post of posts) {
      const hosts = new Set(post.events.map((e) => (e.properties as { host: string }).host));
      expect([post.auth, [...hosts]]).toEqual(post.auth === `Bearer ${KEY_A}` ? [`Bearer ${KEY_A}`, ['shop-a.example']] : [`Bearer ${KEY_B}`, ['shop-b.example']]);
    }
    const paths = (auth: string) => posts.filter((p) => p.auth === auth).flatMap((p) => p.events.map((e) => (e.properties as { path: string }).path)).sort();
    expect(paths(`Bearer ${KEY_A}`)).toEqual(['/a1', '/a2', '/a3']);
    expect(paths(`Bearer ${KEY_B}`)).toEqual(['/b1', '/b2']);
  });

  it('a host of no site gets no tags, no cookie, no report and a 421; tag.js and proxy mode included', async () => {
    const edge = twoSites();
    for (const request of [
      new Request('https://edge.unknown.example/v1/tag', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://shop-a.example/' }) }),
      new Request('https://edge.unknown.example/v1/tag.js'),
      new Request('https://unknown.example/some/page', { headers: { accept: 'text/html' } }),
      new Request('https://shop-a.example.evil.test/v1/tag', { method: 'POST', body: JSON.stringify({ url: 'https://shop-a.example/' }) }),
    ]) {
      const answer = await errorOf(await edge.send(request));
      expect(answer, request.url).toMatchObject({ status: 421, error: 'unknown_site', cookies: [] });
    }
    expect(edge.upstream.rulesetCalls).toEqual([]);
    expect(edge.upstream.events).toEqual([]);
    expect(edge.upstream.origin).toEqual([]);
  });

  it("a page of another site, or of no site, is refused 403 on a site's host: never another site's ruleset", async () => {
    const edge = twoSites();
    for (const page of ['https://shop-b.example/', 'https://unknown.example/', 'https://shop-a.example.evil.test/']) {
      const answer = await errorOf(await tagAt(edge, 'edge.shop-a.example', page));
      expect(answer, page).toMatchObject({ status: 403, error: 'site_mismatch', cookies: [] });
    }
    expect(edge.upstream.rulesetCalls).toEqual([]);
    expect(edge.upstream.events).toEqual([]);
  });

  it("CORS follows each site's allowed origins", async () => {
    const edge = twoSites();
    const fromB = await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/', { origin: 'https://shop-b.example' });
    expect(await errorOf(fromB)).toMatchObject({ status: 403, error: 'origin_not_allowed' });
    const fromA = await tagAt(edge, 'edge.shop-a.example', 'https://shop-a.example/', { origin: 'https://shop-a.example' });
    expect(fromA.headers.get('access-control-allow-origin')).toBe('https://shop-a.example');
  });

  it("identify tokens of site A are refused on site B; A's memberships are asked with A's key", async () => {
    const edge = twoSites();
    edge.upstream.memberships.set('cust-42', ['loyal']);
    const token = await signIdentifyToken({ externalId: 'cust-42', exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.SHOP_A_IDENTIFY_SECRET);
    const identify = (host: string) =>
      edge.send(new Request(`https://${host}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }));
    const onB = await identify('edge.shop-b.example');
    expect(await errorOf(onB)).toMatchObject({ status: 401, error: 'invalid_token', cookies: [] });
    expect(edge.upstream.membershipCalls).toBe(0);
    const onA = await identify('edge.shop-a.example');
    expect(onA.status).toBe(200);
    expect(await onA.json()).toMatchObject({ identified: true, segments: ['loyal'] });
    expect(edge.upstream.membershipAuths).toEqual([`Bearer ${KEY_A}`]);
  });

  it("proxy mode serves each site from the request's host: A has an origin, B has none", async () => {
    const edge = twoSites();
    const page = (host: string) => edge.send(new Request(`https://${host}/pricing/`, { headers: { accept: 'text/html', 'user-agent': UA_IPHONE }, cf: HANOI }));
    const a = await page('www.shop-a.example');
    expect(a.status).toBe(200);
    expect(edge.upstream.origin[0]?.headers.get('x-audience-tags')).toBe('hanoi');
    expect(a.headers.getSetCookie().find((c) => c.startsWith('ae_vid='))).toContain('; Domain=shop-a.example;');
    expect((await page('shop-b.example')).status).toBe(404);
    expect(edge.upstream.origin).toHaveLength(1);
  });

  it('a site without an identify secret answers identify 503 naming the site', async () => {
    const sites = TWO_SITES.map((s) => (s.workspace === 'shop-b' ? { ...s, secrets: { edgeKey: 'SHOP_B_EDGE_KEY', cookie: 'SHOP_B_COOKIE_SECRET' } } : s));
    const edge = twoSites({ SITES: JSON.stringify(sites) });
    const response = await edge.send(new Request('https://shop-b.example/v1/identify', { method: 'POST', body: JSON.stringify({ token: 'x.y' }) }));
    expect(await errorOf(response)).toMatchObject({ status: 503, error: 'identify_not_configured', message: 'Site shop-b has no secrets.identify in SITES' });
  });

  it('without SITES (or with a blank one) the single-site variables serve every host, as before', async () => {
    for (const SITES of [undefined, '', '  ']) {
      const edge = createEdge({ SITES });
      const answer = await tagAnswer(await tagAt(edge, 'anything.example', 'https://elsewhere.example/', {}));
      expect(answer.tags).toEqual(['sea-mobile', 'hanoi']);
      expect(edge.upstream.rulesetCalls.map((c) => c.auth)).toEqual(['Bearer edge-key-test']);
    }
  });
});
