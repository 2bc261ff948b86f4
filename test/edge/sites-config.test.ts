/**
 * SITES is validated strictly (edge/sites/config.ts): every problem is named by site and field, and
 * one problem refuses the whole configuration; the Worker then answers every request 503 and logs
 * the problems once. Host patterns (edge/sites/hosts.ts) and the site scope of the cookie signature.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../edge/index.js';
import { PLACEHOLDER_SECRETS } from '../../edge/config.js';
import { parseSites } from '../../edge/sites/config.js';
import { HostTable, parseHostPattern } from '../../edge/sites/hosts.js';
import { signVisitorState, verifyVisitorCookie } from '../../edge/state/cookies.js';
import { createEdge } from './harness.js';
import { SECRETS, TWO_SITES } from './sites-fixture.js';

type Site = Record<string, unknown>;
const [A, B] = TWO_SITES as unknown as [Site, Site];

function errorsOf(sites: unknown, env: Record<string, unknown> = {}): string[] {
  const result = parseSites({ SITES: typeof sites === 'string' ? sites : JSON.stringify(sites), ...SECRETS, ...env } as Env);
  return result.ok ? [] : result.errors;
}

describe('SITES validation', () => {
  it('accepts the two example sites, as a JSON string or as an array from [vars]', () => {
    expect(errorsOf([A, B])).toEqual([]);
    const parsed = parseSites({ SITES: [A, B], ...SECRETS } as Env);
    expect(parsed.ok && parsed.sites?.map((s) => [s.label, s.edgeKey, s.cookieDomain])).toEqual([
      ['shop-a', 'edge-key-shop-a', 'shop-a.example'],
      ['shop-b', 'edge-key-shop-b', null],
    ]);
  });

  it('refuses a site without an edge key or cookie secret, or whose secrets are not set, short or placeholders', () => {
    expect(errorsOf([{ ...A, secrets: { cookie: 'SHOP_A_COOKIE_SECRET' } }, B])).toEqual([
      expect.stringMatching(/^SITES\[0\] \(shop-a\) secrets\.edgeKey is required/),
    ]);
    expect(errorsOf([A, { ...B, secrets: { edgeKey: 'SHOP_B_EDGE_KEY' } }])).toEqual([expect.stringMatching(/^SITES\[1\] \(shop-b\) secrets\.cookie is required/)]);
    expect(errorsOf([A, B], { SHOP_B_COOKIE_SECRET: undefined })).toEqual([
      'SITES[1] (shop-b) secrets.cookie names SHOP_B_COOKIE_SECRET, which is not set (`npx wrangler secret put SHOP_B_COOKIE_SECRET`)',
    ]);
    expect(errorsOf([A, B], { SHOP_A_IDENTIFY_SECRET: 'short' })).toEqual(['SITES[0] (shop-a) secrets.identify: SHOP_A_IDENTIFY_SECRET is shorter than 16 characters']);
    expect(errorsOf([A, B], { SHOP_A_COOKIE_SECRET: PLACEHOLDER_SECRETS[0] })).toEqual([
      'SITES[0] (shop-a) secrets.cookie: SHOP_A_COOKIE_SECRET is a placeholder, refused outside ENVIRONMENT=development',
    ]);
    expect(errorsOf([A, B], { SHOP_A_COOKIE_SECRET: PLACEHOLDER_SECRETS[0], ENVIRONMENT: 'development' })).toEqual([]);
    // A secret's value where its name belongs: refused, so keys never sit in a plain var.
    expect(errorsOf([{ ...A, secrets: { edgeKey: 'ae_live key with spaces', cookie: 'SHOP_A_COOKIE_SECRET' } }, B])).toEqual([
      expect.stringMatching(/^SITES\[0\] \(shop-a\) secrets\.edgeKey must be the name of a Worker secret/),
    ]);
  });

  it('refuses two sites sharing a cookie secret, an identify secret, an edge key, a host or a label', () => {
    expect(errorsOf([A, { ...B, secrets: { edgeKey: 'SHOP_B_EDGE_KEY', cookie: 'SHOP_A_COOKIE_SECRET' } }])).toEqual([
      'SITES[1] (shop-b) secrets.cookie has the same value as SITES[0] (shop-a) secrets.cookie: every site needs its own key and secrets',
    ]);
    expect(errorsOf([A, B], { SHOP_B_IDENTIFY_SECRET: SECRETS.SHOP_A_IDENTIFY_SECRET })).toEqual([
      'SITES[1] (shop-b) secrets.identify has the same value as SITES[0] (shop-a) secrets.identify: every site needs its own key and secrets',
    ]);
    expect(errorsOf([A, B], { SHOP_B_EDGE_KEY: SECRETS.SHOP_A_EDGE_KEY })).toEqual([
      'SITES[1] (shop-b) secrets.edgeKey has the same value as SITES[0] (shop-a) secrets.edgeKey: every site needs its own key and secrets',
    ]);
    // One value as a cookie secret here and an identify secret there is a shared secret too.
    expect(errorsOf([A, B], { SHOP_B_IDENTIFY_SECRET: SECRETS.SHOP_A_COOKIE_SECRET })).toHaveLength(1);
    expect(errorsOf([A, { ...B, hosts: ['shop-b.example', 'SHOP-A.example'] }])).toEqual([
      'SITES[1] (shop-b) host shop-a.example is also listed by site shop-a: a host belongs to one site',
      'SITES (shop-a) cookieDomain shop-a.example would send its cookie to shop-a.example of site shop-b',
    ]);
    expect(errorsOf([A, { ...B, hosts: ['*.shop-a.example'] }])).toContain('SITES[1] (shop-b) host *.shop-a.example is also listed by site shop-a: a host belongs to one site');
    expect(errorsOf([A, { ...B, workspace: 'shop-a' }])).toContain("SITES[1] (shop-a) workspace shop-a is also SITES[0]'s: labels must differ");
  });

  it('names bad JSON, shapes, hosts, origins, unknown fields and cookie domains', () => {
    expect(errorsOf('{not json')).toEqual([expect.stringMatching(/^SITES is not valid JSON/)]);
    expect(errorsOf({ 'shop-a.example': A })).toEqual(['SITES must be a JSON array of sites']);
    expect(errorsOf([])).toEqual(['SITES is an empty array: list at least one site, or leave SITES unset for one site']);
    expect(errorsOf([A, 'shop-b'])).toEqual(['SITES[1] must be an object']);
    expect(errorsOf([{ ...A, workspace: 'Shop A' }])).toEqual([expect.stringMatching(/^SITES\[0\] workspace must be a label/)]);
    expect(errorsOf([{ ...A, hosts: [] }])).toEqual([expect.stringMatching(/^SITES\[0\] \(shop-a\) hosts must be a non-empty array/)]);
    for (const host of ['https://shop-a.example', 'shop-a.example:443', '*', '*.com', 'shop-a.example.', 'a.*.example', 'shop_a.example', 'localhost']) {
      expect(errorsOf([{ ...A, hosts: [host], cookieDomain: undefined }]), host).toEqual([expect.stringMatching(/^SITES\[0\] \(shop-a\) hosts\[0\] /)]);
    }
    expect(errorsOf([{ ...A, hosts: ['shop-a.example', 'shop-a.example'] }])).toEqual(['SITES[0] (shop-a) hosts[1] repeats shop-a.example']);
    expect(errorsOf([{ ...A, allowedOrigins: ['shop-a.example'] }])).toEqual(['SITES[0] (shop-a) allowedOrigins[0] is not an http(s) origin like "https://shop.example"']);
    expect(errorsOf([{ ...A, edgeKeySecret: 'SHOP_A_EDGE_KEY' }])).toEqual([expect.stringMatching(/^SITES\[0\] \(shop-a\) has an unknown field 'edgeKeySecret'/)]);
    expect(errorsOf([{ ...A, secrets: { ...(A.secrets as object), cookieSecret: 'X' } }])).toEqual([expect.stringMatching(/secrets has an unknown field 'cookieSecret'/)]);
    expect(errorsOf([{ ...A, cookieDomain: 'other.example' }])).toEqual(["SITES[0] (shop-a) cookieDomain other.example covers none of the site's hosts"]);
    expect(errorsOf([{ ...A, cookieDomain: '*.shop-a.example' }])).toEqual([`SITES[0] (shop-a) cookieDomain must be a hostname like "shop.example" (no '*.')`]);
    expect(errorsOf([{ ...A, originUrl: 'ftp://origin' }])).toEqual(['SITES[0] (shop-a) originUrl must be an http(s) URL']);
  });

  it("refuses a cookie domain that would send a site's cookie to another site's hosts", () => {
    const wide = { ...A, hosts: ['shop-a.example', '*.shop-a.example', 'a.example'], cookieDomain: 'example' };
    expect(errorsOf([wide, B])).toEqual([expect.stringMatching(/cookieDomain must be a hostname/)]);
    const parent = { ...A, hosts: ['a.shops.example'], cookieDomain: 'shops.example' };
    expect(errorsOf([parent, { ...B, hosts: ['b.shops.example'] }])).toEqual(['SITES (shop-a) cookieDomain shops.example would send its cookie to b.shops.example of site shop-b']);
    const deeper = { ...A, hosts: ['a.shops.corp.example'], cookieDomain: 'shops.corp.example' };
    expect(errorsOf([deeper, { ...B, hosts: ['*.corp.example'] }])).toEqual(['SITES (shop-a) cookieDomain shops.corp.example would send its cookie to *.corp.example of site shop-b']);
    expect(errorsOf([deeper, { ...B, hosts: ['*.b.corp.example'] }])).toEqual([]);
  });

  it('reports every problem at once, across sites', () => {
    const errors = errorsOf([{ ...A, hosts: ['bad host'] }, { ...B, secrets: {} }], { SHOP_A_COOKIE_SECRET: undefined });
    expect(errors.map((e) => e.split(' ').slice(0, 3).join(' '))).toEqual([
      'SITES[0] (shop-a) hosts[0]',
      'SITES[0] (shop-a) secrets.cookie',
      'SITES[1] (shop-b) secrets.edgeKey',
      'SITES[1] (shop-b) secrets.cookie',
    ]);
  });
});

describe('a Worker with an invalid SITES', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('serves no site: 503 on every route, nothing fetched, the problems logged once', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const edge = createEdge({ SITES: JSON.stringify([A, { ...B, secrets: { edgeKey: 'SHOP_B_EDGE_KEY', cookie: 'SHOP_A_COOKIE_SECRET' } }]), ...SECRETS } as Partial<Env>);
    for (const request of [
      new Request('https://shop-a.example/v1/tag', { method: 'POST', body: JSON.stringify({ url: 'https://shop-a.example/' }) }),
      new Request('https://shop-b.example/v1/tag.js'),
      new Request('https://shop-a.example/page', { headers: { accept: 'text/html' } }),
    ]) {
      const response = await edge.send(request);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'sites_invalid' });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(edge.upstream.rulesetCalls).toEqual([]);
    expect(edge.upstream.origin).toEqual([]);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toContain('SITES[1] (shop-b) secrets.cookie has the same value as SITES[0] (shop-a) secrets.cookie');
  });
});

describe('host patterns', () => {
  it('matches the exact host first, then the longest wildcard; a wildcard does not match its apex', () => {
    const table = new HostTable<string>();
    const add = (p: string, v: string) => {
      const parsed = parseHostPattern(p);
      if (!parsed.ok) throw new Error(parsed.reason);
      table.add(parsed.pattern, v);
    };
    add('*.shop.example', 'shop');
    add('checkout.shop.example', 'checkout');
    add('*.eu.shop.example', 'eu');
    expect(['shop.example', 'www.shop.example', 'a.b.shop.example', 'checkout.shop.example', 'x.eu.shop.example', 'eu.shop.example', 'WWW.Shop.Example', 'shop.example.evil.test', 'evilshop.example'].map((h) => table.match(h) ?? null)).toEqual([
      null,
      'shop',
      'shop',
      'checkout',
      'eu',
      'shop',
      'shop',
      null,
      null,
    ]);
  });
});

describe('the site in the cookie signature', () => {
  it('a cookie signed for one site never verifies for another, even under the same secret', async () => {
    const secret = 'one-secret-for-both-0123456789abcdef';
    const state = { id: 'visitor-0001', history: { firstSeen: 0, lastSeen: 0, pageViews: 1, views: [] } };
    const forA = await signVisitorState(state, secret, 'shop-a');
    expect(await verifyVisitorCookie(forA, secret, 'shop-a')).toEqual(state);
    expect(await verifyVisitorCookie(forA, secret, 'shop-b')).toBeNull();
    expect(await verifyVisitorCookie(forA, secret)).toBeNull();
    expect(await verifyVisitorCookie(await signVisitorState(state, secret), secret, 'shop-a')).toBeNull();
  });
});
