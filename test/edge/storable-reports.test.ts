/**
 * The Worker never reports what the API cannot store (PostgreSQL refuses U+0000 and lone
 * surrogates; the API refuses values over its lengths): such characters become U+FFFD, values are
 * cut to the API's lengths, and the visitor is tagged as usual.
 */
import { describe, expect, it } from 'vitest';
import { REPORT_LIMITS } from '../../edge/upstream/storable.js';
import { createEdge, tagAnswer } from './harness.js';

const HANOI = { country: 'VN', city: 'Hanoi' };
/** Every string of a reported event, however deep. */
const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : typeof value === 'object' && value !== null ? Object.values(value).flatMap(strings) : [];
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The strings of `value` the API could not store, escaped (a lone surrogate in a failure message breaks the test pool). */
const unstorableIn = (value: unknown): string[] => strings(value).filter((s) => unstorable.test(s)).map((s) => JSON.stringify(s));

describe('reports hold only what the API can store', () => {
  it('a %00 URL is tagged, and reported with U+FFFD in its path instead of a NUL', async () => {
    const edge = createEdge();
    const answer = await tagAnswer(await edge.tag('https://shop.example/a%00b?utm_source=google', { cf: HANOI }));
    expect(answer.visitorId).not.toBeNull();
    expect(answer.tags.sort()).toEqual(['from-google', 'hanoi', 'sea-mobile']);
    expect(edge.upstream.events).toHaveLength(1);
    const [event] = edge.upstream.events;
    expect(unstorableIn(event)).toEqual([]);
    expect(event).toMatchObject({ properties: { path: '/a\uFFFDb', host: 'shop.example', url: 'https://shop.example/a%00b?utm_source=google' } });
  });

  it('a referrer with a NUL or a lone surrogate (U+D800, U+DC00) is reported with U+FFFD', async () => {
    const edge = createEdge();
    for (const referrer of ['https://ref.example/\u0000x', 'https://ref.example/\uD800x', 'https://ref.example/\uDC00x']) {
      await tagAnswer(await edge.tag('https://shop.example/', { referrer }));
    }
    await tagAnswer(await edge.tag('https://shop.example/', { referrer: 'https://ref.example/\uD83D\uDE00' })); // a pair is kept
    expect(unstorableIn(edge.upstream.events)).toEqual([]);
    expect(edge.upstream.events.map((e) => JSON.stringify((e.properties as { referrer: string }).referrer))).toEqual([
      '"https://ref.example/\uFFFDx"',
      '"https://ref.example/\uFFFDx"',
      '"https://ref.example/\uFFFDx"',
      '"https://ref.example/\uD83D\uDE00"',
    ]);
  });

  it('over-long path, url, host and referrer are cut to the API lengths, never inside a surrogate pair', async () => {
    const edge = createEdge();
    const longPath = `/${'p'.repeat(3000)}`;
    await tagAnswer(await edge.tag(`https://shop.example${longPath}`, { referrer: `https://ref.example/${'r'.repeat(REPORT_LIMITS.referrer - 20)}` }));
    const wide = `/${'é'.repeat(2000)}`; // 2,001 characters, 12,001 once percent-encoded in the URL
    await tagAnswer(await edge.tag(`https://shop.example${wide}`));
    const host = Array.from({ length: 5 }, () => 'h'.repeat(60)).join('.');
    await tagAnswer(await edge.tag(`https://${host}/`));
    const emoji = `/${'x'.repeat(REPORT_LIMITS.path - 2)}\uD83D\uDE00`; // the pair straddles the limit
    await tagAnswer(await edge.tag(`https://shop.example${encodeURI(emoji)}`));
    const [long, encoded, hosted, straddling] = edge.upstream.events.map((e) => e.properties as { path: string; host: string; url: string; referrer?: string });
    expect(long!.path).toBe(longPath.slice(0, REPORT_LIMITS.path));
    expect(long!.url.length).toBeLessThanOrEqual(REPORT_LIMITS.url);
    expect(long!.referrer!.length).toBe(REPORT_LIMITS.referrer);
    expect(encoded!.path).toBe(wide);
    expect(encoded!.url).toHaveLength(REPORT_LIMITS.url);
    expect(hosted!.host).toBe(host.slice(0, REPORT_LIMITS.host));
    expect(JSON.stringify(straddling!.path)).toBe(JSON.stringify(emoji.slice(0, REPORT_LIMITS.path - 1)));
    for (const event of edge.upstream.events) expect(unstorableIn(event)).toEqual([]);
  });
});
