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
