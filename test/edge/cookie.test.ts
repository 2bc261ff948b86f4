import { describe, expect, it } from 'vitest';
import { base64UrlDecode, base64UrlEncode, hmacSha256, timingSafeEqual } from '../../edge/crypto/hmac.js';
import { decodeVisitorState, encodeVisitorState, STATE_LIMITS, type VisitorState } from '../../edge/state/codec.js';
import { MAX_COOKIE_HEADER, MAX_COOKIE_VALUE, readCookie, signVisitorState, verifyVisitorCookie } from '../../edge/state/cookies.js';

const SECRET = 'test-cookie-secret-0123456789abcdef';
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function state(views = 3, extra: Partial<VisitorState> = {}): VisitorState {
  return {
    id: '0f8e3c1a-5b7d-4e2f-9a1b-2c3d4e5f6a7b',
    history: {
      firstSeen: T0,
      lastSeen: T0 + (views - 1) * 60_000,
      pageViews: views + 10,
      views: Array.from({ length: views }, (_, i) => ({ at: T0 + i * 60_000, path: i % 2 ? '/pricing/team plan' : '/blog/a:b|c^d', host: i % 3 ? 'shop.example' : 'blog.example' })),
    },
    ...extra,
  };
}

describe('visitor state codec', () => {
  it('round-trips ids, times (to the second), counters, hosts, odd paths and memberships', () => {
    const s = state(5, { identity: { externalId: 'cust@example.com', segments: ['loyal', 'vip'], fetchedAt: T0 } });
    const text = encodeVisitorState(s, 3000);
    expect(text).not.toBeNull();
    expect(text).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/); // cookie-octets only
    expect(decodeVisitorState(text ?? '')).toEqual(s);
  });

  it('drops the oldest views to fit and keeps the newest', () => {
    const s = state(80);
    const text = encodeVisitorState(s, 600) ?? '';
    expect(text.length).toBeLessThanOrEqual(600);
    const back = decodeVisitorState(text);
    expect(back?.history.views.length).toBeGreaterThan(3);
    expect(back?.history.views.length).toBeLessThan(80);
    expect(back?.history.views.at(-1)).toEqual(s.history.views.at(-1));
    expect(back?.history.pageViews).toBe(90);
  });

  it('never keeps more than the view cap, and skips very long paths', () => {
    const many = state(STATE_LIMITS.maxViews + 20);
    expect(decodeVisitorState(encodeVisitorState(many, 100_000) ?? '')?.history.views).toHaveLength(STATE_LIMITS.maxViews);
    const long = state(2);
    const views = [...long.history.views, { at: long.history.lastSeen ?? 0, path: '/' + 'x'.repeat(300), host: 'shop.example' }];
    const back = decodeVisitorState(encodeVisitorState({ ...long, history: { ...long.history, views } }, 3000) ?? '');
    expect(back?.history.views).toHaveLength(2);
  });

  it('keeps the profile id of an identity compactly, and still reads identities written without one', () => {
    const profileId = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
    const identity = { externalId: 'cust-42', segments: ['loyal'], fetchedAt: T0 };
    const plain: VisitorState = { id: '0f8e3c1a-5b7d-4e2f-9a1b-2c3d4e5f6a7b', history: { firstSeen: T0, lastSeen: T0, pageViews: 1, views: [] } };
    const withId = encodeVisitorState({ ...plain, identity: { ...identity, profileId } }, 3000) ?? '';
    const without = encodeVisitorState({ ...plain, identity }, 3000) ?? '';
    expect(withId.length - without.length).toBe(23); // ':' + 22 base64url characters
    expect(withId).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/);
    expect(decodeVisitorState(withId)).toEqual({ ...plain, identity: { ...identity, profileId } });
    // The format of cookies written before profile ids were kept: three identity fields.
    const t = (T0 / 1000).toString(36);
    const old = `1|${plain.id}|${t}|${t}|1|||cust-42:${t}:loyal`;
    expect(without).toBe(old);
    expect(decodeVisitorState(old)).toEqual({ ...plain, identity });
    // A malformed profile id field is a malformed cookie; a profile id that is no UUID is not written.
    for (const bad of [`${old}:`, `${old}:abc`, `${old}:${'A'.repeat(21)}B`, `${old}:${'A'.repeat(22)}:x`]) expect(decodeVisitorState(bad)).toBeNull();
    expect(encodeVisitorState({ ...plain, identity: { ...identity, profileId: 'not-a-uuid' } }, 3000)).toBe(old);
  });

  it('drops the views, then the memberships, then the profile id to fit the cap', () => {
    const profileId = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
    const s = state(20, { identity: { externalId: 'cust-42', segments: ['loyal', 'vip'], fetchedAt: T0, profileId } });
    const full = encodeVisitorState(s, 3000) ?? '';
    const bare = encodeVisitorState({ ...s, history: { ...s.history, views: [] }, identity: { externalId: 'cust-42', segments: [], fetchedAt: 0 } }, 3000) ?? '';
    const noViews = decodeVisitorState(encodeVisitorState(s, full.length - 1) ?? '');
    expect(noViews?.identity).toEqual(s.identity);
    expect(noViews?.history.views.length).toBeLessThan(20);
    const tight = encodeVisitorState(s, bare.length + 23) ?? '';
    expect(decodeVisitorState(tight)?.identity).toEqual({ externalId: 'cust-42', segments: [], fetchedAt: 0, profileId });
    const tighter = encodeVisitorState(s, bare.length) ?? '';
    expect(tighter).toBe(bare);
    expect(encodeVisitorState(s, bare.length - 1)).toBeNull();
  });

  it('rejects malformed payloads instead of guessing', () => {
    const good = encodeVisitorState(state(2), 3000) ?? '';
    expect(decodeVisitorState(good)).not.toBeNull();
    for (const bad of ['', '2' + good.slice(1), good + '|x', good.replace(/\|[0-9a-z]+\|/, '|-5|'), good.replace(/^1\|[^|]+/, '1|bad id!'), good.slice(0, -3) + '%zz']) {
      expect(decodeVisitorState(bad)).toBeNull();
    }
  });
});

describe('ae_vid cookie signing', () => {
  it('round-trips through sign and verify', async () => {
    const s = state(4);
    const value = await signVisitorState(s, SECRET);
    expect(value).not.toBeNull();
    expect((value ?? '').length).toBeLessThanOrEqual(MAX_COOKIE_VALUE);
    expect(await verifyVisitorCookie(value, SECRET)).toEqual(s);
  });

  it('ignores tampered, truncated, foreign, unsigned and oversized values', async () => {
    const value = (await signVisitorState(state(4), SECRET)) ?? '';
    const dot = value.lastIndexOf('.');
    const fields = value.split('|');
    fields[4] = '1000'; // pageViews 14 -> 46656
    const tamperedPayload = fields.join('|');
    expect(tamperedPayload).not.toBe(value);
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    const foreign = (await signVisitorState(state(4), 'another-secret-0123456789abcdef')) ?? '';
    for (const bad of [tamperedPayload, flipped, value.slice(0, -5), value.slice(0, dot), value.slice(5), foreign, `${value.slice(0, dot)}.${'A'.repeat(43)}`, 'x'.repeat(MAX_COOKIE_VALUE + 1)]) {
      expect(await verifyVisitorCookie(bad, SECRET)).toBeNull();
    }
    expect(await verifyVisitorCookie(null, SECRET)).toBeNull();
  });

  it('a signature over a payload the codec rejects still gives no state', async () => {
    const payload = '1|short|0|0|0|||';
    const mac = base64UrlEncode(await hmacSha256(SECRET, 'ae_vid/1|' + payload));
    expect(await verifyVisitorCookie(`${payload}.${mac}`, SECRET)).toBeNull();
  });
});

describe('cookie header parsing and crypto helpers', () => {
  it('finds a cookie among others and unquotes it', () => {
    expect(readCookie('a=1; ae_vid=abc.def; b=2', 'ae_vid')).toBe('abc.def');
    expect(readCookie('ae_vid="q"', 'ae_vid')).toBe('q');
    expect(readCookie('xae_vid=1', 'ae_vid')).toBeNull();
    expect(readCookie(null, 'ae_vid')).toBeNull();
  });

  it('treats an oversized Cookie header as no cookies at all', () => {
    expect(readCookie(`ae_vid=v; junk=${'x'.repeat(MAX_COOKIE_HEADER)}`, 'ae_vid')).toBeNull();
  });

  it('base64url is strict and timingSafeEqual compares exactly', () => {
    const bytes = new Uint8Array([251, 255, 0, 1, 2]);
    expect(base64UrlDecode(base64UrlEncode(bytes))).toEqual(bytes);
    expect(base64UrlDecode('a+b/')).toBeNull();
    expect(base64UrlDecode('abcde')).toBeNull();
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});
