/**
 * Several sites against a real HTTP server as the API (test/helpers/ruleset-feed-server.ts), which
 * answers each edge key with its own workspace's ruleset: each site's ruleset store keeps its own
 * location-cache and Workers KV entries (named by the hash of the feed URL and its key), a fresh
 * isolate during an outage tags each site from its own KV entry, and the page views reach the API
 * in posts of one site each, under that site's key.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp, type Env } from '../../edge/index.js';
import type { RulesetKv } from '../../edge/upstream/ruleset-vault.js';
import { createFeed, kv, type Feed } from './feed.js';
import { rulesetJson, SEGMENTS, tagAnswer, testEnv, UA_IPHONE, type TagAnswer } from './harness.js';
import { KEY_A, KEY_B, SECRETS, TWO_SITES } from './sites-fixture.js';

const RULESET_A = rulesetJson(SEGMENTS.filter((s) => s.slug === 'hanoi'), 'v-shop-a');
const RULESET_B = rulesetJson(SEGMENTS.filter((s) => s.slug === 'sea-mobile'), 'v-shop-b');
let locations = 0;

/** A fresh isolate (new app, its own location cache) serving both sites from `feed`. */
async function isolate(feed: Feed, env: Partial<Env> = {}, location = `sites-${++locations}`): Promise<(edgeHost: string, page: string) => Promise<TagAnswer>> {
  const app = createApp({ cache: await caches.open(location) });
  const workerEnv = testEnv({ API_URL: feed.apiUrl, RULESETS: kv as unknown as RulesetKv, SITES: JSON.stringify(TWO_SITES), ...SECRETS, ...env } as Partial<Env>);
  return async (edgeHost, page) => {
    const ctx = createExecutionContext();
    const request = new Request(`https://${edgeHost}/v1/tag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': UA_IPHONE },
      body: JSON.stringify({ url: page }),
      cf: { country: 'VN', city: 'Hanoi', continent: 'AS' },
    });
    const response = await app.fetch(request, workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    return tagAnswer(response);
  };
}

describe('several sites against a real API', () => {
  it('keeps each site in its own KV and cache entries, and tags each from its own during an outage', async () => {
    const feed = await createFeed();
    await feed.set({ byAuth: { [`Bearer ${KEY_A}`]: { ruleset: RULESET_A, etag: '"a-1"' }, [`Bearer ${KEY_B}`]: { ruleset: RULESET_B, etag: '"b-1"' } } });
    const tag = await isolate(feed, {}, 'sites-shared');
    expect(await tag('edge.shop-a.example', 'https://shop-a.example/')).toMatchObject({ ruleset: 'v-shop-a', tags: ['hanoi'] });
    expect(await tag('edge.shop-b.example', 'https://shop-b.example/')).toMatchObject({ ruleset: 'v-shop-b', tags: ['sea-mobile'] });
    expect((await feed.calls()).map((c) => c.auth).sort()).toEqual([`Bearer ${KEY_A}`, `Bearer ${KEY_B}`]);

    const [keysA, keysB] = [await feed.keys(KEY_A), await feed.keys(KEY_B)];
    expect(keysA.kv).not.toBe(keysB.kv);
    expect(JSON.parse((await kv.get(keysA.kv, 'text')) ?? 'null')).toEqual(RULESET_A);
    expect(JSON.parse((await kv.get(keysB.kv, 'text')) ?? 'null')).toEqual(RULESET_B);
    const cache = await caches.open('sites-shared');
    expect((await cache.match(keysA.cache))?.headers.get('etag')).toBe('"a-1"');
    expect((await cache.match(keysB.cache))?.headers.get('etag')).toBe('"b-1"');

    // The API goes down; a fresh isolate elsewhere tags each site from its own KV entry.
    await feed.set({ mode: 'down' });
    const fresh = await isolate(feed, { RULESET_TTL_SECONDS: '0', RULESET_TIMEOUT_MS: '200' });
    for (let i = 0; i < 2; i++) {
      expect(await fresh('shop-b.example', 'https://shop-b.example/')).toMatchObject({ ruleset: 'v-shop-b', tags: ['sea-mobile'] });
      expect(await fresh('www.shop-a.example', 'https://www.shop-a.example/')).toMatchObject({ ruleset: 'v-shop-a', tags: ['hanoi'] });
    }
  });

  it("posts each site's page views under its own key, one site per post", async () => {
    const feed = await createFeed();
    await feed.set({ byAuth: { [`Bearer ${KEY_A}`]: { ruleset: RULESET_A, etag: '"a-1"' }, [`Bearer ${KEY_B}`]: { ruleset: RULESET_B, etag: '"b-1"' } } });
    const tag = await isolate(feed, { REPORT_BATCH_MS: '50' });
    await Promise.all([
      tag('edge.shop-a.example', 'https://shop-a.example/a1'),
      tag('edge.shop-b.example', 'https://shop-b.example/b1'),
      tag('edge.shop-a.example', 'https://www.shop-a.example/a2'),
      tag('edge.shop-b.example', 'https://shop-b.example/b2'),
    ]);
    const posts = await feed.eventPosts();
    expect(posts.flatMap((p) => p.events)).toHaveLength(4);
    const bySite = posts.map((p) => [p.auth, [...new Set(p.events.map((e) => (e.properties as { host: string }).host.replace(/^www\./, '')))]]);
    for (const entry of bySite) expect([[`Bearer ${KEY_A}`, ['shop-a.example']], [`Bearer ${KEY_B}`, ['shop-b.example']]]).toContainEqual(entry);
    expect(new Set(bySite.map(([auth]) => auth))).toEqual(new Set([`Bearer ${KEY_A}`, `Bearer ${KEY_B}`]));
  });
});
