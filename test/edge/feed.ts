/**
 * The workerd side of test/helpers/ruleset-feed-server.ts: a feed of its own per test on the real
 * HTTP server, and Worker isolates that reach it over the network (no fake fetch). An isolate is a
 * fresh app (nothing in memory) with a location: isolates of one location share a named cache, as
 * isolates of one Cloudflare location share `caches.default`; every isolate sees the same Workers KV.
 */
import { createExecutionContext, env as workerEnv, waitOnExecutionContext } from 'cloudflare:test';
import { inject } from 'vitest';
import { createApp, type Env } from '../../edge/index.js';
import { feedIdentity } from '../../edge/upstream/feed-identity.js';
import type { RulesetKv } from '../../edge/upstream/ruleset-vault.js';
import { rulesetJson, testEnv, UA_IPHONE, tagAnswer, type TagAnswer } from './harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rulesetFeedServer: string;
  }
}

export type FeedMode = 'ok' | 'down' | 'hang' | 'status500' | 'garbage' | 'revoked' | 'forbidden';

/** The KV namespace bound as RULESETS in wrangler.toml. */
export const kv = (workerEnv as { RULESETS: KVNamespace }).RULESETS;

export interface Feed {
  /** API_URL for the Worker. */
  apiUrl: string;
  set(state: { mode?: FeedMode; ruleset?: unknown; etag?: string; byAuth?: Record<string, { ruleset: unknown; etag: string }> }): Promise<void>;
  /** Ruleset requests the server received, in order. */
  calls(): Promise<Array<{ auth: string | null; ifNoneMatch: string | null }>>;
  /** Events posts the server received, with their Authorization header. */
  eventPosts(): Promise<Array<{ auth: string | null; events: Array<Record<string, unknown>> }>>;
  /** The KV key and cache key of this feed with `apiKey` (as edge/services.ts names them). */
  keys(apiKey?: string): Promise<{ kv: string; cache: string }>;
}

export async function createFeed(ruleset: unknown = rulesetJson()): Promise<Feed> {
  const server = inject('rulesetFeedServer');
  const { id } = (await (await fetch(`${server}/__feeds`, { method: 'POST' })).json()) as { id: string };
  const apiUrl = `${server}/f/${id}`;
  const feed: Feed = {
    apiUrl,
    async set(state) {
      const response = await fetch(`${server}/__feeds/${id}`, { method: 'PUT', body: JSON.stringify(state) });
      await response.body?.cancel();
    },
    async calls() {
      return ((await (await fetch(`${server}/__feeds/${id}`)).json()) as { calls: Array<{ auth: string | null; ifNoneMatch: string | null }> }).calls;
    },
    async eventPosts() {
      return ((await (await fetch(`${server}/__feeds/${id}`)).json()) as { eventPosts: Array<{ auth: string | null; events: Array<Record<string, unknown>> }> }).eventPosts;
    },
    async keys(apiKey = 'edge-key-test') {
      const feedUrl = `${apiUrl}/v1/rulesets/current`;
      const identity = await feedIdentity(feedUrl, apiKey);
      return { kv: `ruleset:${identity}`, cache: `${feedUrl}?ae-edge=${identity}` };
    },
  };
  await feed.set({ ruleset });
  return feed;
}

export interface IsolateOptions {
  /** Isolates with the same location share a cache; null: no Cache API at all. Default 'here'. */
  location?: string | null;
  /** Env overrides; RULESETS is the KV binding unless overridden (undefined: no binding). */
  env?: Partial<Env>;
  now?: () => number;
}

export interface Isolate {
  tag(page?: string): Promise<TagAnswer>;
}

const HANOI = { country: 'VN', city: 'Hanoi', continent: 'AS' };

export async function startIsolate(feed: Feed, options: IsolateOptions = {}): Promise<Isolate> {
  const location = options.location === undefined ? 'here' : options.location;
  const cache = location === null ? null : await caches.open(`location-${location}`);
  const app = createApp({ cache, now: options.now });
  const env: Env = testEnv({ API_URL: feed.apiUrl, RULESETS: kv as unknown as RulesetKv, ...options.env });
  return {
    async tag(page = 'https://shop.example/') {
      const ctx = createExecutionContext();
      const request = new Request('https://edge.shop.example/v1/tag', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': UA_IPHONE },
        body: JSON.stringify({ url: page }),
        cf: HANOI,
      });
      const response = await app.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      return tagAnswer(response);
    },
  };
}
