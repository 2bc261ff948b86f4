/**
 * One revalidation per location (edge/upstream/ruleset-cache.ts): isolates of one location share
 * the ruleset through the Cache API, so the API (a real HTTP server counting its requests) is asked
 * once per location and TTL, conditionally, whatever the number of isolates. The clock of the
 * ruleset store is moved by the test (RULESET_TTL_SECONDS = 60, far beyond the test's real duration,
 * so the cache's own expiry never interferes).
 */
import { describe, expect, it } from 'vitest';
import { rulesetJson, SEGMENTS } from './harness.js';
import { createFeed, startIsolate, type Feed } from './feed.js';

const TTL_MS = 60_000;
const ENV = { RULESET_TTL_SECONDS: '60' };
let places = 0;
const place = () => `share-${++places}`;

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function callCount(feed: Feed): Promise<number> {
  return (await feed.calls()).length;
}

describe('isolates of one location share the ruleset through the Cache API', () => {
  it('three isolates, one origin request; a publish arrives within the TTL with one conditional request for the location', async () => {
    const feed = await createFeed();
    const time = clock();
    const location = place();
    const [a, b, c] = [await startIsolate(feed, { location, env: ENV, now: time.now }), await startIsolate(feed, { location, env: ENV, now: time.now }), await startIsolate(feed, { location, env: ENV, now: time.now })];
    for (const isolate of [a, b, c]) expect(await isolate!.tag()).toMatchObject({ ruleset: 'v-test-1', tags: ['sea-mobile', 'hanoi'] });
    expect(await feed.calls()).toEqual([{ auth: 'Bearer edge-key-test', ifNoneMatch: null }]);

    // Within the TTL nobody asks again.
    time.advance(TTL_MS - 1);
    for (const isolate of [a, b, c]) expect((await isolate!.tag()).ruleset).toBe('v-test-1');
    expect(await callCount(feed)).toBe(1);

    // A publish. Past the TTL the first isolate to notice revalidates (If-None-Match) in the
    // background; the others take its answer from the location's cache.
    await feed.set({ ruleset: rulesetJson(SEGMENTS.filter((s) => s.slug !== 'hanoi'), 'v-test-2'), etag: '"etag-2"' });
    time.advance(2);
    expect((await a!.tag()).ruleset).toBe('v-test-1'); // stale-while-revalidate
    expect((await feed.calls())[1]).toEqual({ auth: 'Bearer edge-key-test', ifNoneMatch: '"etag-1"' });
    expect(await a!.tag()).toMatchObject({ ruleset: 'v-test-2', tags: ['sea-mobile'] });
    for (const isolate of [b, c]) {
      await isolate!.tag();
      expect(await isolate!.tag()).toMatchObject({ ruleset: 'v-test-2', tags: ['sea-mobile'] });
    }
    expect(await callCount(feed)).toBe(2);

    // Unchanged: one 304 for the location, which refreshes the shared copy for the others.
    time.advance(TTL_MS);
    for (const isolate of [b, a, c]) await isolate!.tag();
    const calls = await feed.calls();
    expect(calls.slice(2)).toEqual([{ auth: 'Bearer edge-key-test', ifNoneMatch: '"etag-2"' }]);
    for (const isolate of [a, b, c]) expect((await isolate!.tag()).ruleset).toBe('v-test-2');
    expect(await callCount(feed)).toBe(3);
  });

  it('an isolate that takes the shared copy goes stale when the copy does, so a publish is not delayed twice', async () => {
    const feed = await createFeed();
    const time = clock();
    const location = place();
    const a = await startIsolate(feed, { location, env: ENV, now: time.now });
    await a.tag();
    time.advance(TTL_MS - 1000);
    const late = await startIsolate(feed, { location, env: ENV, now: time.now });
    expect((await late.tag()).ruleset).toBe('v-test-1');
    expect(await callCount(feed)).toBe(1);
    await feed.set({ ruleset: rulesetJson(SEGMENTS, 'v-test-2'), etag: '"etag-2"' });
    // 1 s later the copy it took is a TTL old: the late isolate revalidates, although it has held
    // the ruleset for only a second.
    time.advance(1000);
    await late.tag();
    expect((await late.tag()).ruleset).toBe('v-test-2');
    expect(await callCount(feed)).toBe(2);
  });

  it('origin requests follow locations, not isolates', async () => {
    const feed = await createFeed();
    const time = clock();
    const locations = [place(), place(), place()];
    for (const location of locations) {
      for (let i = 0; i < 3; i++) expect((await (await startIsolate(feed, { location, env: ENV, now: time.now })).tag()).ruleset).toBe('v-test-1');
    }
    expect(await callCount(feed)).toBe(3);
  });

  it('a TTL under a second shares nothing: every stale isolate asks the API', async () => {
    const feed = await createFeed();
    const location = place();
    const env = { RULESET_TTL_SECONDS: '0' };
    for (let i = 0; i < 2; i++) expect((await (await startIsolate(feed, { location, env })).tag()).ruleset).toBe('v-test-1');
    expect(await callCount(feed)).toBe(2);
    const feedKeys = await feed.keys();
    expect(await (await caches.open(`location-${location}`)).match(feedKeys.cache)).toBeUndefined();
  });

  for (const [mode, status] of [['revoked', 401], ['forbidden', 403]] as const) {
    it(`a refused key (${status}) evicts the location's copy: no isolate there takes it any more`, async () => {
      const feed = await createFeed();
      const time = clock();
      const location = place();
      const keys = await feed.keys();
      const cache = await caches.open(`location-${location}`);
      const a = await startIsolate(feed, { location, env: ENV, now: time.now });
      expect((await a.tag()).tags).toContain('hanoi');
      expect((await cache.match(keys.cache))?.headers.get('etag')).toBe('"etag-1"');
      await feed.set({ mode });
      time.advance(TTL_MS);
      await a.tag();
      expect(await a.tag()).toMatchObject({ ruleset: null, tags: [] });
      expect(await cache.match(keys.cache)).toBeUndefined();
      // A fresh isolate of the location asks the API, hears the refusal and tags nothing.
      expect(await (await startIsolate(feed, { location, env: ENV, now: time.now })).tag()).toMatchObject({ ruleset: null, tags: [] });
      expect(await callCount(feed)).toBe(3);
    });
  }

  const corrupt: Array<[string, Record<string, string>, string]> = [
    ['not JSON', { 'x-ae-fetched-at': 'NOW' }, '{"version":"v-evil"'],
    ['not a ruleset', { 'x-ae-fetched-at': 'NOW' }, JSON.stringify({ version: 'v-evil', format: 1, segments: 'everyone' })],
    ['without its fetch time', {}, JSON.stringify(rulesetJson(SEGMENTS, 'v-evil'))],
    ['with a fetch time that is not a number', { 'x-ae-fetched-at': 'yesterday' }, JSON.stringify(rulesetJson(SEGMENTS, 'v-evil'))],
    ['older than the TTL', { 'x-ae-fetched-at': 'OLD' }, JSON.stringify(rulesetJson(SEGMENTS, 'v-evil'))],
    ['from beyond the clock skew in the future', { 'x-ae-fetched-at': 'FUTURE' }, JSON.stringify(rulesetJson(SEGMENTS, 'v-evil'))],
  ];
  for (const [name, headers, body] of corrupt) {
    it(`ignores a location copy ${name} and asks the API`, async () => {
      const feed = await createFeed();
      const time = clock();
      const location = place();
      const resolved = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'NOW' ? String(time.now()) : v === 'OLD' ? String(time.now() - TTL_MS) : v === 'FUTURE' ? String(time.now() + TTL_MS) : v]));
      const cache = await caches.open(`location-${location}`);
      await cache.put((await feed.keys()).cache, new Response(body, { headers: { 'cache-control': 'max-age=60', ...resolved } }));
      expect(await (await startIsolate(feed, { location, env: ENV, now: time.now })).tag()).toMatchObject({ ruleset: 'v-test-1', tags: ['sea-mobile', 'hanoi'] });
      expect(await callCount(feed)).toBe(1);
    });
  }

  it('keys the shared copy by feed and edge key: another key in the same location does not take it', async () => {
    const feed = await createFeed();
    const location = place();
    await (await startIsolate(feed, { location, env: ENV })).tag();
    await (await startIsolate(feed, { location, env: { ...ENV, EDGE_API_KEY: 'another-edge-key' } })).tag();
    expect((await feed.calls()).map((c) => c.auth)).toEqual(['Bearer edge-key-test', 'Bearer another-edge-key']);
  });
});
