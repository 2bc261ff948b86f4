import { describe, expect, it } from 'vitest';
import { createEdge, ORIGIN, UA_IPHONE, visitorCookie } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' };
const page = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  new Request(`https://shop.example${path}`, {
    headers: { 'user-agent': UA_IPHONE, accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', ...headers },
    cf: HANOI,
    ...init,
  });

describe('proxy mode (ORIGIN_URL set)', () => {
  it('forwards a page view with the tags and visitor id, and returns the origin response with the cookie', async () => {
    const edge = createEdge({ ORIGIN_URL: ORIGIN });
    const response = await edge.send(page('/pricing/team?x=1'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<html>origin page /pricing/team</html>');
    const forwarded = edge.upstream.origin[0];
    expect(forwarded?.url).toBe(`${ORIGIN}/pricing/team?x=1`);
    expect(forwarded?.headers.get('x-audience-tags')?.split(',').sort()).toEqual(['hanoi', 'sea-mobile']);
    const visitorId = forwarded?.headers.get('x-visitor-id');
    expect(visitorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(forwarded?.headers.get('x-forwarded-host')).toBe('shop.example');
    const cookies = response.headers.getSetCookie();
    expect(cookies).toContain('site_session=abc; Path=/');
    expect(cookies.find((c) => c.startsWith('ae_vid='))).toMatch(/SameSite=Lax$/);
    expect(edge.upstream.events).toHaveLength(1);
    expect(edge.upstream.events[0]).toMatchObject({ visitorId, properties: { path: '/pricing/team', host: 'shop.example' } });
  });

  it('replaces forged x-audience-tags / x-visitor-id from the client', async () => {
    const edge = createEdge({ ORIGIN_URL: ORIGIN });
    await edge.send(page('/', { 'x-audience-tags': 'vip,admin', 'x-visitor-id': 'forged', 'sec-gpc': '1' }));
    const forwarded = edge.upstream.origin[0];
    expect(forwarded?.headers.get('x-audience-tags')?.split(',').sort()).toEqual(['hanoi', 'sea-mobile']);
    expect(forwarded?.headers.get('x-visitor-id')).toBeNull();
  });

  it('counts only document navigations as page views; assets are tagged without touching state', async () => {
    const edge = createEdge({ ORIGIN_URL: ORIGIN });
    const first = await edge.send(page('/pricing/a'));
    const cookie = visitorCookie(first) ?? '';
    const asset = await edge.send(page('/app.css', { cookie, accept: 'text/css', 'sec-fetch-dest': 'style' }));
    expect(asset.headers.getSetCookie().some((c) => c.startsWith('ae_vid='))).toBe(false);
    expect(edge.upstream.origin[1]?.headers.get('x-visitor-id')).toBe(edge.upstream.origin[0]?.headers.get('x-visitor-id'));
    expect(edge.upstream.events).toHaveLength(1);
  });

  it('forwards other methods with their body', async () => {
    const edge = createEdge({ ORIGIN_URL: ORIGIN });
    const response = await edge.send(page('/cart', { 'content-type': 'application/json' }, { method: 'POST', body: '{"sku":"A1"}' }));
    expect(response.status).toBe(200);
    const forwarded = edge.upstream.origin[0];
    expect(forwarded?.method).toBe('POST');
    expect(await forwarded?.text()).toBe('{"sku":"A1"}');
  });

  it('keeps its own routes: /v1/tag is answered by the Worker, not the origin', async () => {
    const edge = createEdge({ ORIGIN_URL: ORIGIN });
    const response = await edge.tag('https://shop.example/');
    expect(response.status).toBe(200);
    expect(edge.upstream.origin).toHaveLength(0);
  });

  it('answers 502 when the origin is unreachable', async () => {
    const edge = createEdge({ ORIGIN_URL: 'http://unreachable.test' });
    const response = await edge.send(page('/'));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: 'origin_unreachable' });
  });
});
