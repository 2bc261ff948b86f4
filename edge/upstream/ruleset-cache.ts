/**
 * The ruleset shared by the isolates of one location through the Cache API: the isolate that fetched
 * it from the API stores the body with its ETag, the time it was fetched and `max-age` = the TTL;
 * the others take it from there instead of asking the API, so origin requests follow locations and
 * publishes, not isolates. What is read back is only returned raw; the store checks it like an
 * answer of the API.
 */
import type { HeldRuleset } from './ruleset-body.js';
import { MAX_RULESET_BYTES, withTimeout } from './ruleset-body.js';

/** The part of the Cache API used here (`caches.default`, or a named cache in tests). */
export interface RulesetCacheStorage {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
}

export interface CachedRuleset {
  text: string;
  etag: string | null;
  /** When the isolate that stored it had it from the API (ms since the epoch). */
  fetchedAt: number;
}

const FETCHED_AT = 'x-ae-fetched-at';

export class RulesetLocationCache {
  constructor(
    private readonly cache: RulesetCacheStorage,
    /** The cache key: a URL made of the feed URL and the feed identity (edge/upstream/feed-identity.ts). */
    private readonly key: Promise<string>,
    private readonly options: { ttlMs: number; timeoutMs: number },
  ) {}

  /** Whether there is anything to share: a TTL under a second cannot be expressed as max-age. */
  get enabled(): boolean {
    return this.options.ttlMs >= 1000;
  }

  /** The location's copy, or null when there is none, or it is unreadable. */
  async read(): Promise<CachedRuleset | null> {
    if (!this.enabled) return null;
    const response = await withTimeout(this.key.then((key) => this.cache.match(key)), this.options.timeoutMs, 'the location cache');
    if (!response) return null;
    const stamp = response.headers.get(FETCHED_AT);
    const fetchedAt = stamp === null ? Number.NaN : Number(stamp);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (response.status !== 200 || !Number.isFinite(fetchedAt) || !(length <= MAX_RULESET_BYTES)) {
      await response.body?.cancel();
      return null;
    }
    return { text: await response.text(), etag: response.headers.get('etag'), fetchedAt };
  }

  async write(held: HeldRuleset, fetchedAt: number): Promise<void> {
    if (!this.enabled) return;
    const headers = new Headers({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': `public, max-age=${Math.floor(this.options.ttlMs / 1000)}`,
      [FETCHED_AT]: String(fetchedAt),
    });
    if (held.etag) headers.set('etag', held.etag);
    await withTimeout(this.key.then((key) => this.cache.put(key, new Response(held.text, { headers }))), this.options.timeoutMs, 'the location cache');
  }

  async evict(): Promise<void> {
    await withTimeout(this.key.then((key) => this.cache.delete(key)), this.options.timeoutMs, 'the location cache');
  }
}
