/**
 * The last good ruleset in Workers KV (edge/upstream/ruleset-vault.ts), against a real HTTP server
 * as the API: fresh isolates (nothing in memory, no location copy) during an outage tag from KV; KV
 * is written when the ruleset changes, not on every fetch; corrupt entries are ignored; a refused
 * key clears KV; without the binding the Worker behaves as before.
 */
import { describe, expect, it } from 'vitest';
import { rulesetJson, SEGMENTS } from './harness.js';
import { createFeed, kv, startIsolate, type FeedMode } from './feed.js';

/** A fresh isolate in a location of its own: nothing in memory, nothing in its cache. */
let locations = 0;
const elsewhere = () => `kv-${++locations}`;
/** Revalidate on every request, and give up on a hanging API quickly. */
const EVERY_REQUEST = { RULESET_TTL_SECONDS: '0', RULESET_TIMEOUT_MS: '200' };

describe('the last good ruleset in Workers KV', () => {
  it('a fresh isolate tags from KV while the API is down, slow, failing or garbled: no request answered without it', async () => {
    const feed = await createFeed();
    const first = await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST });
    expect(await first.tag()).toMatchObject({ ruleset: 'v-test-1', tags: ['sea-mobile', 'hanoi'] });
    const { value, metadata } = await kv.getWithMetadata((await feed.keys()).kv, 'text');
    expect(JSON.parse(value ?? 'null')).toEqual(rulesetJson());
    expect(metadata).toMatchObject({ format: 1, etag: '"etag-1"', version: 'v-test-1' });

    for (const mode of ['down', 'hang', 'status500', 'garbage'] as const satisfies readonly FeedMode[]) {
      await feed.set({ mode });
      const before = (await feed.calls()).length;
      const fresh = await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST });
      for (let i = 0; i < 3; i++) expect(await fresh.tag(), mode).toMatchObject({ ruleset: 'v-test-1', tags: ['sea-mobile', 'hanoi'] });
      // The API, the source of truth, was asked first (and again on every request: TTL 0).
      expect((await feed.calls()).length - before, mode).toBe(3);
    }
  });

  it('the API stays the source of truth: a publish beats the KV copy, and KV is rewritten only when the ruleset changes', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const feed = await createFeed();
    const keys = await feed.keys();
    await (await startIsolate(feed, { location: elsewhere(), now: clock })).tag();
    const saved = (await kv.getWithMetadata<{ savedAt: number }>(keys.kv, 'text')).metadata;
    expect(saved?.savedAt).toBe(1_000_000);

    // Other fresh isolates fetching the same ruleset (a 200 each: they hold nothing) leave KV alone.
    now += 10_000;
    for (let i = 0; i < 2; i++) expect((await (await startIsolate(feed, { location: elsewhere(), now: clock })).tag()).ruleset).toBe('v-test-1');
    expect((await kv.getWithMetadata<{ savedAt: number }>(keys.kv, 'text')).metadata?.savedAt).toBe(1_000_000);

    // A publish: a fresh isolate takes it from the API (not the older KV copy) and KV follows.
    await feed.set({ ruleset: rulesetJson(SEGMENTS.filter((s) => s.slug !== 'hanoi'), 'v-test-2'), etag: '"etag-2"' });
    now += 10_000;
    expect(await (await startIsolate(feed, { location: elsewhere(), now: clock })).tag()).toMatchObject({ ruleset: 'v-test-2', tags: ['sea-mobile'] });
    expect((await kv.getWithMetadata(keys.kv, 'text')).metadata).toMatchObject({ etag: '"etag-2"', version: 'v-test-2', savedAt: 1_020_000 });

    // Down again: fresh isolates tag with the newest good ruleset.
    await feed.set({ mode: 'down' });
    expect(await (await startIsolate(feed, { location: elsewhere(), now: clock })).tag()).toMatchObject({ ruleset: 'v-test-2', tags: ['sea-mobile'] });
  });

  it('an isolate seeded from KV revalidates with its ETag once the API is back', async () => {
    const feed = await createFeed();
    await (await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST })).tag();
    await feed.set({ mode: 'down' });
    const isolate = await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST });
    expect((await isolate.tag()).ruleset).toBe('v-test-1');
    await feed.set({ mode: 'ok' });
    const before = (await feed.calls()).length;
    expect((await isolate.tag()).ruleset).toBe('v-test-1');
    expect((await feed.calls()).slice(before)).toEqual([{ auth: 'Bearer edge-key-test', ifNoneMatch: '"etag-1"' }]);
  });

  const corrupt: Array<[string, string, unknown]> = [
    ['not JSON', '{"version":"v-evil", "segm', { format: 1, etag: '"x"', version: 'v-evil', savedAt: 1 }],
    ['JSON that is not a ruleset', JSON.stringify({ version: 'v-evil', format: 1, segments: 'everyone' }), { format: 1, etag: '"x"', version: 'v-evil', savedAt: 1 }],
    ['a ruleset of another format', JSON.stringify({ ...(rulesetJson() as object), format: 99 }), { format: 1, etag: '"x"', version: 'v-test-1', savedAt: 1 }],
    ['a ruleset whose version is not its metadata', JSON.stringify(rulesetJson()), { format: 1, etag: '"x"', version: 'v-other', savedAt: 1 }],
    ['a ruleset without metadata', JSON.stringify(rulesetJson()), null],
    ['a ruleset with metadata of another format', JSON.stringify(rulesetJson()), { format: 2, etag: '"x"', version: 'v-test-1', savedAt: 1 }],
    ['an empty value', '', { format: 1, etag: null, version: '', savedAt: 1 }],
  ];
  for (const [name, value, metadata] of corrupt) {
    it(`ignores a corrupt KV entry (${name}): no tags rather than wrong ones, and the API's next answer replaces it`, async () => {
      const feed = await createFeed();
      const keys = await feed.keys();
      await kv.put(keys.kv, value, { metadata });
      await feed.set({ mode: 'down' });
      const isolate = await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST });
      expect(await isolate.tag()).toMatchObject({ ruleset: null, tags: [] });
      await feed.set({ mode: 'ok' });
      expect((await isolate.tag()).ruleset).toBe('v-test-1');
      expect((await kv.getWithMetadata(keys.kv, 'text')).metadata).toMatchObject({ format: 1, version: 'v-test-1', etag: '"etag-1"' });
    });
  }

  for (const [mode, status] of [['revoked', 401], ['forbidden', 403]] as const) {
    it(`a refused key (${status}) clears KV: a fresh isolate in an outage then tags nothing`, async () => {
      const feed = await createFeed();
      const keys = await feed.keys();
      const isolate = await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST });
      expect((await isolate.tag()).tags).toContain('hanoi');
      expect((await kv.get(keys.kv)) !== null).toBe(true);
      await feed.set({ mode });
      await isolate.tag(); // the background refresh hears the refusal
      expect(await isolate.tag()).toMatchObject({ ruleset: null, tags: [] });
      expect(await kv.get(keys.kv)).toBeNull();
      await feed.set({ mode: 'down' });
      expect(await (await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST })).tag()).toMatchObject({ ruleset: null, tags: [] });
    });
  }

  it('keeps one entry per edge key: another key on the same feed neither reads nor clears it', async () => {
    const feed = await createFeed();
    const ours = await feed.keys();
    await (await startIsolate(feed, { location: elsewhere(), env: EVERY_REQUEST })).tag();
    await feed.set({ mode: 'down' });
    const other = { ...EVERY_REQUEST, EDGE_API_KEY: 'another-edge-key' };
    expect(await (await startIsolate(feed, { location: elsewhere(), env: other })).tag()).toMatchObject({ ruleset: null, tags: [] });
    await feed.set({ mode: 'revoked' });
    await (await startIsolate(feed, { location: elsewhere(), env: other })).tag();
    expect((await kv.get(ours.kv)) !== null).toBe(true);
    // The key never appears in the KV key name.
    expect(ours.kv).not.toContain('edge-key-test');
    expect(ours.cache).not.toContain('edge-key-test');
  });

  it('without a KV binding (an older deployment) a fresh isolate in an outage tags nothing, as before, and works otherwise', async () => {
    const feed = await createFeed();
    for (const binding of [undefined, 'not-a-namespace']) {
      const env = { ...EVERY_REQUEST, RULESETS: binding as never };
      await feed.set({ mode: 'ok' });
      const isolate = await startIsolate(feed, { location: elsewhere(), env });
      expect((await isolate.tag()).tags).toContain('hanoi');
      await feed.set({ mode: 'down' });
      expect((await isolate.tag()).tags).toContain('hanoi'); // its own memory still serves
      expect(await (await startIsolate(feed, { location: elsewhere(), env })).tag()).toMatchObject({ ruleset: null, tags: [] });
    }
    expect(await kv.get((await feed.keys()).kv)).toBeNull();
  });
});
