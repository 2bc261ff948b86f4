/**
 * The placeholder secrets committed in wrangler.toml are refused outside ENVIRONMENT=development:
 * a deployment that forgot `wrangler secret put` tags without visitor state and answers identify
 * with 503, and nobody can forge a cookie or an identify token with the repository's values.
 * Identify tokens that expire more than 24 h ahead are refused.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLACEHOLDER_SECRETS } from '../../edge/config.js';
import { signIdentifyToken, verifyIdentifyToken } from '../../edge/crypto/identify-token.js';
import { signVisitorState } from '../../edge/state/cookies.js';
import { createEdge, tagAnswer, visitorCookie } from './harness.js';

const [COOKIE_PLACEHOLDER, IDENTIFY_PLACEHOLDER] = PLACEHOLDER_SECRETS as [string, string];
const PLACEHOLDERS = { COOKIE_SECRET: COOKIE_PLACEHOLDER, IDENTIFY_SECRET: IDENTIFY_PLACEHOLDER };
const SECRET = 'test-identify-secret-0123456789abcdef';
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;
const identify = (token: string, cookie?: string) =>
  new Request('https://edge.shop.example/v1/identify', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ token }),
  });

describe('placeholder secrets outside development', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('tags without a visitor id, cookie or report, and honours no cookie forged with the placeholder', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const edge = createEdge(PLACEHOLDERS);
    const forged = await signVisitorState({ id: 'forged-visitor-0001', history: { firstSeen: 0, lastSeen: 0, pageViews: 3, views: [] } }, COOKIE_PLACEHOLDER);
    for (const cookie of [undefined, `ae_vid=${forged}`]) {
      const response = await edge.tag('https://shop.example/', { cf: { country: 'VN', city: 'Hanoi' }, cookie });
      expect(response.headers.getSetCookie()).toEqual([]);
      const answer = await tagAnswer(response);
      expect(answer.visitorId).toBeNull();
      expect(answer.tags).toContain('hanoi');
      expect(answer.tags).not.toContain('returning');
    }
    expect(edge.upstream.events).toEqual([]);
    const logged = warn.mock.calls.map((c) => String(c[0]));
    expect(logged.filter((m) => m.includes('COOKIE_SECRET'))).toHaveLength(1); // once, not per request
    expect(logged.filter((m) => m.includes('IDENTIFY_SECRET'))).toHaveLength(1);
  });

  it('answers identify with a 503 naming the setting, even for a token signed with the placeholder', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const edge = createEdge(PLACEHOLDERS);
    edge.upstream.memberships.set('cust-42', ['loyal']);
    const response = await edge.send(identify(await signIdentifyToken({ externalId: 'cust-42', exp: inSeconds(3600) }, IDENTIFY_PLACEHOLDER)));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('identify_not_configured');
    expect(body.message).toMatch(/IDENTIFY_SECRET is the placeholder/);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(edge.upstream.membershipCalls).toBe(0);
  });

  it('refuses any secret that says change-me and secrets under 16 characters, but not real ones', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const COOKIE_SECRET of ['my-secret-CHANGE_ME-please-0123', 'short-secret']) {
      expect((await tagAnswer(await createEdge({ COOKIE_SECRET }).tag('https://shop.example/'))).visitorId).toBeNull();
    }
    expect((await tagAnswer(await createEdge({ COOKIE_SECRET: 'short-secret', ENVIRONMENT: 'development' }).tag('https://shop.example/'))).visitorId).toBeNull();
    expect((await tagAnswer(await createEdge().tag('https://shop.example/'))).visitorId).not.toBeNull();
  });

  it('uses the placeholders with ENVIRONMENT=development (local wrangler dev)', async () => {
    const edge = createEdge({ ...PLACEHOLDERS, ENVIRONMENT: 'development' });
    edge.upstream.memberships.set('cust-42', ['loyal']);
    const tagged = await edge.tag('https://shop.example/');
    expect((await tagAnswer(tagged.clone())).visitorId).not.toBeNull();
    const response = await edge.send(identify(await signIdentifyToken({ externalId: 'cust-42', exp: inSeconds(3600) }, IDENTIFY_PLACEHOLDER), visitorCookie(tagged)));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ identified: true, segments: ['loyal'] });
  });
});

describe('identify token lifetime', () => {
  it('accepts an exp up to 24 h ahead (what the API issues at most) and refuses a later one', async () => {
    const now = Date.now();
    const at = async (exp: number) => verifyIdentifyToken(await signIdentifyToken({ externalId: 'cust-42', exp }, SECRET), SECRET, now);
    const nowS = Math.floor(now / 1000);
    expect((await at(nowS + 86_400)).ok).toBe(true);
    for (const exp of [nowS + 86_400 + 3600, nowS + 365 * 86_400, 1e15]) {
      expect(await at(exp)).toEqual({ ok: false, reason: 'token expires more than 24 h ahead' });
    }
  });

  it('POST /v1/identify answers 401 to a token valid for a year, and sets no cookie', async () => {
    const edge = createEdge();
    edge.upstream.memberships.set('cust-42', ['loyal']);
    const response = await edge.send(identify(await signIdentifyToken({ externalId: 'cust-42', exp: inSeconds(365 * 86_400) }, SECRET)));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token', message: expect.stringContaining('24 h') });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a token whose externalId holds a NUL or a lone surrogate', async () => {
    for (const externalId of ['cust\u0000', 'cust\uD800']) {
      const check = await verifyIdentifyToken(await signIdentifyToken({ externalId, exp: inSeconds(60) }, SECRET), SECRET, Date.now());
      expect(check.ok).toBe(false);
    }
  });
});
