import { describe, expect, it } from 'vitest';
import { appendPageView, ATTRIBUTES_PROTOTYPE, buildEdgeContext, localTime, readAttribute } from '../../schema/context.js';
import { dateValue, parseIsoDate } from '../../schema/dates.js';
import { DAY_MS } from '../../schema/rule.js';

describe('parseIsoDate', () => {
  it.each([
    ['2026-11-23', Date.UTC(2026, 10, 23)],
    ['2026-11-23T10:20:30Z', Date.UTC(2026, 10, 23, 10, 20, 30)],
    ['2026-11-23T10:20:30.123Z', Date.UTC(2026, 10, 23, 10, 20, 30, 123)],
    ['2026-11-23T10:20', Date.UTC(2026, 10, 23, 10, 20)],
    ['2026-11-23T10:00:00+07:00', Date.UTC(2026, 10, 23, 3)],
    ['2026-11-23T10:00:00-0230', Date.UTC(2026, 10, 23, 12, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['0050-01-01', -60589296000000],
  ])('parses %s', (text, expected) => {
    expect(parseIsoDate(text)).toBe(expected);
  });

  it.each(['', '2026-02-29', '2026-13-01', '2026-00-10', '2026-11-31', '2026-11-23T24:00', '2026-11-23T10:60',
    '23/11/2026', '0000-01-01', '2026-11-23T10:00:00+25:00', 'now', '2026-11-23 ', ' 2026-11-23', '20261123'])(
    'rejects %j',
    (text) => {
      expect(parseIsoDate(text)).toBeNull();
    },
  );

  it('dateValue accepts only strings', () => {
    expect(dateValue(Date.UTC(2026, 0, 1))).toBeNull();
    expect(dateValue(null)).toBeNull();
    expect(dateValue('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
  });
});

describe('buildEdgeContext', () => {
  const now = Date.UTC(2026, 10, 23, 20, 0, 0);

  it('reads attributes without reaching Object.prototype, and absent ones read as missing', () => {
    const ctx = buildEdgeContext(
      { url: 'https://shop.example/a?constructor=1&__proto__=2&toString=3', geo: {}, device: {} },
      null,
      now,
    );
    const attributes = ctx.attributes as Record<string, unknown>;
    expect(Object.getPrototypeOf(attributes)).toBe(ATTRIBUTES_PROTOTYPE);
    expect(Object.isFrozen(ATTRIBUTES_PROTOTYPE)).toBe(true);
    expect(attributes['constructor']).toBeUndefined();
    expect(attributes['toString']).toBeUndefined();
    expect(readAttribute(ctx.attributes, 'page.query.constructor')).toBe('1');
    expect(readAttribute(ctx.attributes, 'page.query.__proto__')).toBe('2');
    expect(readAttribute(ctx.attributes, 'page.query.toString')).toBe('3');
    expect(readAttribute(ctx.attributes, 'page.referrer')).toBeUndefined();
    expect(readAttribute(ctx.attributes, 'utm.source')).toBeUndefined();
    expect(readAttribute(ctx.attributes, 'visit.lastSeen')).toBeUndefined();
  });

  it('derives page, utm, query, geo, device and time attributes', () => {
    const ctx = buildEdgeContext(
      {
        url: 'https://shop.example/gi%C3%A0y/sale?utm_source=google&utm_campaign=tet&color=red',
        referrer: 'https://www.facebook.com/some/post',
        geo: { country: 'VN', city: 'Hanoi', timezone: 'Asia/Ho_Chi_Minh' },
        device: { type: 'mobile', os: 'iOS' },
      },
      null,
      now,
    );
    const a = ctx.attributes;
    expect(a['page.path']).toBe('/giày/sale');
    expect(a['page.host']).toBe('shop.example');
    expect(a['utm.source']).toBe('google');
    expect(a['utm.campaign']).toBe('tet');
    expect(a['utm.medium']).toBeUndefined();
    expect(a['page.query.color']).toBe('red');
    expect(a['page.referrerHost']).toBe('www.facebook.com');
    expect(a['geo.country']).toBe('VN');
    expect(a['device.type']).toBe('mobile');
    expect(a['visit.pageViews']).toBe(1);
    expect(a['visit.isNew']).toBe(true);
    expect(a['visit.lastSeen']).toBeUndefined();
    // 20:00 UTC on Monday is 03:00 on Tuesday in Hanoi.
    expect(a['time.hour']).toBe(3);
    expect(a['time.dayOfWeek']).toBe(2);
    expect(ctx.events).toHaveLength(1);
    expect(ctx.events[0]?.properties.path).toBe('/giày/sale');
  });

  it('adds the history as page_view events and counts this view', () => {
    const history = { firstSeen: now - 10 * DAY_MS, lastSeen: now - DAY_MS, pageViews: 7, views: [{ at: now - DAY_MS, path: '/pricing' }] };
    const ctx = buildEdgeContext({ url: 'https://a.example/', geo: {}, device: {} }, history, now);
    expect(ctx.attributes['visit.pageViews']).toBe(8);
    expect(ctx.attributes['visit.isNew']).toBe(false);
    expect(ctx.attributes['visit.firstSeen']).toBe(new Date(now - 10 * DAY_MS).toISOString());
    expect(ctx.attributes['visit.lastSeen']).toBe(new Date(now - DAY_MS).toISOString());
    expect(ctx.events.map((e) => e.properties.path)).toEqual(['/pricing', '/']);
  });

  it('survives a URL that does not parse', () => {
    const ctx = buildEdgeContext({ url: 'not a url', referrer: '::', geo: {}, device: {} }, null, now);
    expect(ctx.attributes['page.path']).toBeUndefined();
    expect(ctx.attributes['page.referrerHost']).toBeUndefined();
    expect(ctx.events).toHaveLength(0);
  });

  it('never reads inherited properties', () => {
    const ctx = buildEdgeContext({ url: 'https://a.example/?constructor=x', geo: {}, device: {} }, null, now);
    expect(readAttribute(ctx.attributes, 'toString')).toBeUndefined();
    expect(readAttribute(ctx.attributes, 'page.query.constructor')).toBe('x');
    expect(readAttribute({}, '__proto__')).toBeUndefined();
  });

  it('falls back to UTC for an unknown time zone', () => {
    expect(localTime(now, 'Not/AZone')).toEqual({ hour: 20, dayOfWeek: 1 });
    expect(localTime(now, undefined)).toEqual({ hour: 20, dayOfWeek: 1 });
  });
});

describe('appendPageView', () => {
  const now = Date.UTC(2026, 10, 23);
  it('drops old views, caps the count and keeps the total', () => {
    let h = null;
    for (let i = 40; i >= 0; i--) h = appendPageView(h, { at: now - i * DAY_MS, path: `/p${i}` }, 30, 10);
    expect(h?.pageViews).toBe(41);
    expect(h?.views).toHaveLength(10);
    expect(h?.views.at(-1)?.path).toBe('/p0');
    expect(h?.firstSeen).toBe(now - 40 * DAY_MS);
    const old = appendPageView({ firstSeen: 0, lastSeen: 0, pageViews: 1, views: [{ at: 0, path: '/' }] }, { at: now, path: '/x' }, 30, 10);
    expect(old.views.map((v) => v.path)).toEqual(['/x']);
  });
});

describe('parseIsoDate fractions', () => {
  it('truncates fractional seconds to milliseconds exactly', () => {
    expect(parseIsoDate('2026-01-01T00:00:00.009Z')).toBe(Date.UTC(2026, 0, 1) + 9);
    expect(parseIsoDate('2026-01-01T00:00:00.5Z')).toBe(Date.UTC(2026, 0, 1) + 500);
    expect(parseIsoDate('2026-01-01T00:00:00.123999999Z')).toBe(Date.UTC(2026, 0, 1) + 123);
  });
});
