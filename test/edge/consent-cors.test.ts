import { describe, expect, it } from 'vitest';
import { createEdge, SITE, tagAnswer, visitorCookie } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' };

describe('consent', () => {
  async function knownVisitor() {
    const edge = createEdge();
    let cookie: string | undefined;
    for (const path of ['/pricing/a', '/pricing/b', '/pricing/c']) {
      cookie = visitorCookie(await edge.tag(`https://shop.example${path}`, { cf: HANOI, cookie })) ?? cookie;
    }
    edge.upstream.events = [];
    return { edge, cookie: cookie ?? '' };
  }

  for (const [name, headers, extraCookie] of [
    ['Sec-GPC: 1', { 'sec-gpc': '1' }, ''],
    ['ae_consent=denied', {}, '; ae_consent=denied'],
  ] as const) {
    it(`${name}: no id, the cookie is cleared, history ignored, nothing reported, tags from this request`, async () => {
      const { edge, cookie } = await knownVisitor();
      const response = await edge.tag('https://shop.example/pricing/d', { cf: HANOI, cookie: cookie + extraCookie, headers });
      const cleared = response.headers.getSetCookie().find((c) => c.startsWith('ae_vid='));
      expect(cleared).toMatch(/^ae_vid=; Path=\/; Max-Age=0;/);
      const answer = await tagAnswer(response);
      expect(answer.visitorId).toBeNull();
      expect(answer.tags.sort()).toEqual(['hanoi', 'sea-mobile']); // not pricing-fan, not returning
      expect(edge.upstream.events).toHaveLength(0);
    });
  }

  it('a refusing visitor without a cookie gets no Set-Cookie at all', async () => {
    const edge = createEdge();
    const response = await edge.tag('https://shop.example/', { headers: { 'sec-gpc': '1' } });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await tagAnswer(response)).visitorId).toBeNull();
    expect(edge.upstream.events).toHaveLength(0);
  });

  it('other consent values and Sec-GPC: 0 allow tracking', async () => {
    const edge = createEdge();
    for (const [cookie, headers] of [['ae_consent=granted', {}], ['', { 'sec-gpc': '0' }]] as const) {
      const response = await edge.tag('https://shop.example/', { cookie: cookie || undefined, headers });
      expect((await tagAnswer(response)).visitorId).not.toBeNull();
    }
    expect(edge.upstream.events).toHaveLength(2);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    new Request('https://edge.shop.example/v1/tag', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('answers a preflight from an allowed origin with credentials', async () => {
    const edge = createEdge();
    const response = await edge.send(preflight(SITE));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('lets an allowed origin read the answer, and never with a wildcard', async () => {
    const edge = createEdge();
    const response = await edge.tag('https://shop.example/', { headers: { origin: 'https://www.shop.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('refuses other origins (look-alikes included) with 403, before any state is touched', async () => {
    const edge = createEdge();
    for (const origin of ['https://evil.example', 'https://shop.example.evil.example', 'http://shop.example', 'null']) {
      const pre = await edge.send(preflight(origin));
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const response = await edge.tag('https://shop.example/', { headers: { origin } });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'origin_not_allowed' });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(edge.upstream.events).toHaveLength(0);
  });

  it('needs no CORS for requests without Origin or from the edge itself', async () => {
    const edge = createEdge({ ALLOWED_ORIGINS: '' });
    expect((await edge.tag('https://shop.example/')).status).toBe(200);
    const same = await edge.tag('https://shop.example/', { headers: { origin: 'https://edge.shop.example' } });
    expect(same.status).toBe(200);
    expect(same.headers.get('access-control-allow-origin')).toBeNull();
  });
});
