import { describe, expect, it } from 'vitest';
import { createEdge, tagAnswer, UA_DESKTOP, visitorCookie } from './harness.js';

const HANOI = { country: 'VN', regionCode: '64', region: 'Hanoi', city: 'Hanoi', continent: 'AS', postalCode: '100000', timezone: 'Asia/Ho_Chi_Minh' };
const BANGKOK = { country: 'TH', city: 'Bangkok', continent: 'AS', timezone: 'Asia/Bangkok' };
const BERLIN = { country: 'DE', regionCode: 'BE', city: 'Berlin', continent: 'EU', timezone: 'Europe/Berlin' };
const DALLAS = { country: 'US', regionCode: 'TX', region: 'Texas', city: 'Dallas', continent: 'NA', timezone: 'America/Chicago' };
const TOR = { country: 'T1', continent: 'T1' };

describe('POST /v1/tag: geography, device and page', () => {
  it('tags a phone in Hanoi with the country, city and device segments', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: HANOI }));
    expect(answer.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
    expect(answer.ruleset).toBe('v-test-1');
    expect(answer.visitorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('tags per country: Bangkok phone, Berlin desktop, Dallas phone, Tor and no cf at all', async () => {
    const edge = createEdge();
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: BANGKOK }))).tags).toEqual(['sea-mobile']);
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: BERLIN, headers: { 'user-agent': UA_DESKTOP } }))).tags).toEqual(['europe']);
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: DALLAS }))).tags).toEqual([]);
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cf: TOR }))).tags).toEqual([]);
    expect((await tagAnswer(await edge.tag('https://shop.example/'))).tags).toEqual([]);
  });

  it('reads UTM parameters from the reported URL', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/landing?utm_source=google&utm_medium=cpc', { cf: DALLAS }));
    expect(answer.tags).toEqual(['from-google']);
  });

  it('tags a crawler as a bot and never reports it', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } }));
    expect(answer.tags).toEqual(['bots']);
    expect(edge.upstream.events).toHaveLength(0);
  });
});

describe('POST /v1/tag: visitor state across requests', () => {
  it('keeps the visitor id, counts page views and tags after three pricing views', async () => {
    const edge = createEdge();
    const first = await edge.tag('https://shop.example/pricing/team', { cf: DALLAS });
    const a = await tagAnswer(first.clone());
    let cookie = visitorCookie(first);
    expect(cookie).toBeDefined();
    expect(a.tags).toEqual([]);

    const second = await edge.tag('https://shop.example/pricing/enterprise', { cf: DALLAS, cookie });
    const b = await tagAnswer(second.clone());
    cookie = visitorCookie(second);
    expect(b.visitorId).toBe(a.visitorId);
    expect(b.tags).toEqual(['returning']);

    const third = await tagAnswer(await edge.tag('https://shop.example/pricing/', { cf: DALLAS, cookie }));
    expect(third.visitorId).toBe(a.visitorId);
    expect(third.tags.sort()).toEqual(['pricing-fan', 'returning']);
  });

  it('sets a signed, HttpOnly, Secure, cross-site cookie of bounded size', async () => {
    const edge = createEdge();
    const response = await edge.tag('https://shop.example/', { cf: HANOI });
    const line = response.headers.getSetCookie().find((c) => c.startsWith('ae_vid=')) ?? '';
    expect(line).toMatch(/; Path=\/; Max-Age=34560000; HttpOnly; Secure; SameSite=None$/);
    expect(line.length).toBeLessThan(3300);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('starts a fresh visitor when the cookie is tampered with, foreign or absurdly large', async () => {
    const edge = createEdge();
    const first = await edge.tag('https://shop.example/', { cf: DALLAS });
    const { visitorId } = await tagAnswer(first.clone());
    const cookie = visitorCookie(first) ?? '';
    const tampered = cookie.replace('|1|', '|2|');
    expect(tampered).not.toBe(cookie);
    const other = createEdge({ COOKIE_SECRET: 'some-other-site-secret-0123456789' });
    const foreign = visitorCookie(await other.tag('https://shop.example/', { cf: DALLAS })) ?? '';
    for (const bad of [tampered, cookie.slice(0, -4), foreign, `ae_vid=${'a'.repeat(5000)}`, `ae_vid=x; bomb=${'b'.repeat(9000)}`]) {
      const answer = await tagAnswer(await edge.tag('https://shop.example/', { cf: DALLAS, cookie: bad }));
      expect(answer.visitorId).not.toBe(visitorId);
      expect(answer.tags).not.toContain('returning');
    }
  });

  it('works without cookie secret: tags, but no id and no cookie', async () => {
    const edge = createEdge({ COOKIE_SECRET: undefined });
    const response = await edge.tag('https://shop.example/', { cf: HANOI });
    expect(visitorCookie(response)).toBeUndefined();
    const answer = await tagAnswer(response);
    expect(answer.visitorId).toBeNull();
    expect(answer.tags.sort()).toEqual(['hanoi', 'sea-mobile']);
  });
});

describe('POST /v1/tag: bad input', () => {
  const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    new Request('https://edge.shop.example/v1/tag', { method: 'POST', headers, body });

  it('rejects malformed JSON, non-objects and wrong types with 400 and a clear error', async () => {
    const edge = createEdge();
    for (const [body, error] of [
      ['{"url": ', 'invalid_json'],
      ['[1,2]', 'invalid_body'],
      ['"https://shop.example/"', 'invalid_body'],
      ['{}', 'invalid_url'],
      ['{"url": 42}', 'invalid_url'],
      ['{"url": "not a url"}', 'invalid_url'],
      ['{"url": "javascript:alert(1)"}', 'invalid_url'],
      ['{"url": "ftp://shop.example/file"}', 'invalid_url'],
      [JSON.stringify({ url: `https://shop.example/${'a'.repeat(5000)}` }), 'invalid_url'],
      [JSON.stringify({ url: 'https://shop.example/', referrer: 7 }), 'invalid_url'],
    ] as const) {
      const response = await edge.send(post(body));
      expect(response.status, body.slice(0, 40)).toBe(400);
      expect(await response.json()).toMatchObject({ error });
    }
  });

  it('accepts text/plain JSON (what tag.js sends) but not other media types', async () => {
    const edge = createEdge();
    expect((await edge.send(post('{"url":"https://shop.example/"}', { 'content-type': 'text/plain;charset=UTF-8' }))).status).toBe(200);
    expect((await edge.send(post('url=x', { 'content-type': 'application/x-www-form-urlencoded' }))).status).toBe(415);
  });

  it('refuses bodies over 8 KB with 413, whatever Content-Length says', async () => {
    const edge = createEdge();
    const huge = JSON.stringify({ url: 'https://shop.example/', pad: 'x'.repeat(20_000) });
    const response = await edge.send(post(huge));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
        controller.close();
      },
    });
    expect((await edge.send(post(stream))).status).toBe(413);
  });

  it('answers 405 for wrong methods, 404 for unknown paths, 431 for header bombs', async () => {
    const edge = createEdge();
    const get = await edge.send(new Request('https://edge.shop.example/v1/tag'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
    expect((await edge.send(new Request('https://edge.shop.example/v1/tag.js', { method: 'POST' }))).status).toBe(405);
    const unknown = await edge.send(new Request('https://edge.shop.example/wp-admin'));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    const headers = new Headers({ 'content-type': 'application/json' });
    for (let i = 0; i < 150; i++) headers.set(`x-bomb-${i}`, 'y');
    const bomb = await edge.send(new Request('https://edge.shop.example/v1/tag', { method: 'POST', headers, body: '{"url":"https://shop.example/"}' }));
    expect(bomb.status).toBe(431);
  });

  it('survives a huge User-Agent and a huge Referer without a 500', async () => {
    const edge = createEdge();
    const response = await edge.tag('https://shop.example/', { headers: { 'user-agent': 'Mozilla/5.0 '.repeat(2000) } });
    expect(response.status).toBe(200);
  });
});
