import { describe, expect, it } from 'vitest';
import { signIdentifyToken, verifyIdentifyToken } from '../../edge/crypto/identify-token.js';
import { createEdge, SITE, tagAnswer, visitorCookie } from './harness.js';

const SECRET = 'test-identify-secret-0123456789abcdef';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const identify = (body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
  new Request('https://edge.shop.example/v1/identify', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify(body),
  });

describe('identify tokens', () => {
  it('verifies a token made with the shared secret, and refuses forged, expired and malformed ones', async () => {
    const now = Date.now();
    const token = await signIdentifyToken({ externalId: 'cust-42', exp: inAnHour() }, SECRET);
    expect(await verifyIdentifyToken(token, SECRET, now)).toMatchObject({ ok: true, externalId: 'cust-42' });
    expect((await verifyIdentifyToken(token, 'another-secret-0123456789abcdef', now)).ok).toBe(false);
    const [payload, mac] = token.split('.');
    const forged = btoa(JSON.stringify({ externalId: 'admin', exp: inAnHour() })).replace(/=+$/, '');
    expect((await verifyIdentifyToken(`${forged}.${mac}`, SECRET, now)).ok).toBe(false);
    const expired = await signIdentifyToken({ externalId: 'cust-42', exp: Math.floor(now / 1000) - 1 }, SECRET);
    expect(await verifyIdentifyToken(expired, SECRET, now)).toEqual({ ok: false, reason: 'token has expired' });
    for (const bad of ['', 'abc', `${payload}.`, `${payload}.${mac}.x`, 'x'.repeat(5000)]) {
      expect((await verifyIdentifyToken(bad, SECRET, now)).ok).toBe(false);
    }
    const noExp = await signIdentifyToken({ externalId: 'cust-42' } as { externalId: string; exp: number }, SECRET);
    expect((await verifyIdentifyToken(noExp, SECRET, now)).ok).toBe(false);
  });
});

describe('POST /v1/identify', () => {
  it('loads the profile memberships into the cookie so profile-scoped references tag at the edge', async () => {
    const edge = createEdge();
    edge.upstream.memberships.set('cust-42', ['loyal']);
    const anonymous = await edge.tag('https://shop.example/', { cf: { country: 'VN', city: 'Hanoi' } });
    const { visitorId } = await tagAnswer(anonymous.clone());
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cookie: visitorCookie(anonymous) }))).tags).not.toContain('loyal-visitor');

    const token = await signIdentifyToken({ externalId: 'cust-42', exp: inAnHour() }, SECRET);
    const response = await edge.send(identify({ token }, visitorCookie(anonymous), { origin: SITE }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(await response.clone().json()).toEqual({ visitorId, identified: true, segments: ['loyal'] });
    const cookie = visitorCookie(response);

    const tagged = await edge.tag('https://shop.example/', { cookie });
    const answer = await tagAnswer(tagged.clone());
    expect(answer.visitorId).toBe(visitorId);
    expect(answer.tags).toContain('loyal-visitor');
    expect(edge.upstream.membershipCalls).toBe(1); // cached in the cookie, not refetched
    expect(edge.upstream.events.at(-1)).toMatchObject({ visitorId, profileExternalId: 'cust-42' });
    // Every view reports its request's place and device (kept with the page view for previews); only an
    // identified view's place becomes the person's last seen geography (the API decides, by profileExternalId).
    expect(edge.upstream.events[0]).not.toHaveProperty('profileExternalId');
    expect(edge.upstream.events[0]).toMatchObject({ geo: {}, device: { type: expect.any(String) } });
    await edge.tag('https://shop.example/', { cookie, cf: { country: 'vn', city: 'Hanoi', regionCode: 'HN', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh', postalCode: '100000' } });
    expect(edge.upstream.events.at(-1)).toMatchObject({
      profileExternalId: 'cust-42',
      geo: { country: 'VN', region: 'HN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh', postalCode: '100000' },
    });
    await edge.tag('https://shop.example/', { cookie, cf: { country: 'XX', city: 'Ha\u0000noi' } });
    expect(edge.upstream.events.at(-1)?.geo).toEqual({ city: 'Ha\uFFFDnoi' }); // unknown country left out, NUL made storable

    const out = await edge.send(new Request('https://edge.shop.example/v1/identify', { method: 'DELETE', headers: { cookie: visitorCookie(tagged) ?? '' } }));
    expect(await out.json()).toEqual({ visitorId, identified: false });
    expect((await tagAnswer(await edge.tag('https://shop.example/', { cookie: visitorCookie(out) }))).tags).not.toContain('loyal-visitor');
  });

  it('refetches memberships once they are older than the TTL, and keeps the old ones when the API is down', async () => {
    const edge = createEdge({ MEMBERSHIP_TTL_SECONDS: '0' });
    edge.upstream.memberships.set('cust-7', ['loyal']);
    const token = await signIdentifyToken({ externalId: 'cust-7', exp: inAnHour() }, SECRET);
    const cookie = visitorCookie(await edge.send(identify({ token })));
    edge.upstream.memberships.set('cust-7', []);
    const refreshed = await edge.tag('https://shop.example/', { cookie });
    expect((await tagAnswer(refreshed.clone())).tags).not.toContain('loyal-visitor');
    expect(edge.upstream.membershipCalls).toBe(2);

    const other = createEdge({ MEMBERSHIP_TTL_SECONDS: '0' });
    other.upstream.memberships.set('cust-7', ['loyal']);
    const c2 = visitorCookie(await other.send(identify({ token })));
    other.upstream.membershipsDown = true;
    expect((await tagAnswer(await other.tag('https://shop.example/', { cookie: c2 }))).tags).toContain('loyal-visitor');
  });

  it('an unknown profile (404) is identified with no memberships', async () => {
    const edge = createEdge();
    const token = await signIdentifyToken({ externalId: 'nobody', exp: inAnHour() }, SECRET);
    expect(await (await edge.send(identify({ token }))).json()).toMatchObject({ identified: true, segments: [] });
  });

  it('refuses bad tokens (401), bad bodies (400), other origins (403) and wrong methods (405)', async () => {
    const edge = createEdge();
    const forged = await signIdentifyToken({ externalId: 'cust-42', exp: inAnHour() }, 'not-the-shared-secret-0123456789');
    const bad = await edge.send(identify({ token: forged }));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' });
    expect((await edge.send(identify({}))).status).toBe(400);
    expect((await edge.send(identify({ token: 12 }))).status).toBe(400);
    const token = await signIdentifyToken({ externalId: 'cust-42', exp: inAnHour() }, SECRET);
    expect((await edge.send(identify({ token }, undefined, { origin: 'https://evil.example' }))).status).toBe(403);
    expect((await edge.send(new Request('https://edge.shop.example/v1/identify'))).status).toBe(405);
  });

  it('does not identify a visitor who refuses tracking, and is 503 when not configured', async () => {
    const edge = createEdge();
    const token = await signIdentifyToken({ externalId: 'cust-42', exp: inAnHour() }, SECRET);
    const refused = await edge.send(identify({ token }, undefined, { 'sec-gpc': '1' }));
    expect(await refused.json()).toMatchObject({ visitorId: null, identified: false });
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(edge.upstream.membershipCalls).toBe(0);
    const unconfigured = createEdge({ IDENTIFY_SECRET: undefined });
    expect((await unconfigured.send(identify({ token }))).status).toBe(503);
  });
});
