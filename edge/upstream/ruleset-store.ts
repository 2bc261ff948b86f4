/**
 * The published ruleset, kept per isolate. A cached ruleset is served at once and revalidated in
 * the background once it is older than the TTL; only an isolate with no ruleset waits (one refresh
 * for all its waiting requests), and then at most the timeout per step. A refresh looks, in order:
 * 1. at the location's copy (Cache API, ruleset-cache.ts): fresher than the TTL, it is taken and
 *    the API is not asked, so one isolate per location revalidates;
 * 2. at the API (If-None-Match with the held ETag), the source of truth; a new ruleset is shared with
 *    the location and kept in Workers KV when it differs from what KV holds (ruleset-vault.ts);
 * 3. only when the API fails (timeout, network error, 5xx, garbage) and the isolate has nothing: at
 *    Workers KV's last good ruleset, so a fresh isolate in an outage still tags correctly.
 * Whatever is not a valid ruleset leaves the last good one in place, except a refusal of the key
 * itself (401 or 403: the key was revoked, or its workspace deleted): then the ruleset is forgotten
 * at once, and evicted from the location cache and KV, so a deleted workspace's segments stop
 * tagging visitors within one TTL.
 */
import type { PreparedRuleset } from '../../schema/ruleset.js';
import type { ApiClient } from './api-client.js';
import { MAX_RULESET_BYTES, readRulesetText, type HeldRuleset } from './ruleset-body.js';
import type { RulesetLocationCache } from './ruleset-cache.js';
import type { RulesetVault } from './ruleset-vault.js';

/** The API refused the edge key: what was fetched with it must not be served any longer. */
class KeyRefused extends Error {}

type Fetched = { kind: 'unchanged' } | { kind: 'new'; held: HeldRuleset };
type WaitUntil = (promise: Promise<unknown>) => void;

/** Where the ruleset in use came from (diagnostics and tests). */
export type RulesetSource = 'api' | 'location-cache' | 'kv';

export interface RulesetStoreOptions {
  ttlMs: number;
  timeoutMs: number;
  now?: () => number;
  /** The location's shared copy; null (tests, no Cache API) means every isolate asks the API. */
  cache?: RulesetLocationCache | null;
  /** The last good ruleset across isolates; null (no KV binding) means none. */
  vault?: RulesetVault | null;
}

export class RulesetStore {
  private held: HeldRuleset | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshingSince: number | null = null;
  private inflight: Promise<void> | null = null;
  /** Where the ruleset in use came from. */
  source: RulesetSource | null = null;
  /** The reason the last refresh failed, for diagnostics. */
  lastError: string | null = null;

  constructor(
    private readonly client: ApiClient | null,
    private readonly options: RulesetStoreOptions,
  ) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private get current(): PreparedRuleset | null {
    return this.held?.ruleset ?? null;
  }

  /** The ruleset to evaluate this request with (null when there has never been a good one). */
  async get(waitUntil: WaitUntil): Promise<PreparedRuleset | null> {
    const now = this.now();
    if (!this.client || now - this.checkedAt < this.options.ttlMs) return this.current;
    if (this.current) {
      // One background revalidation at a time; a stuck one is given up after the timeout.
      const busy = this.refreshingSince !== null && now - this.refreshingSince < this.options.timeoutMs * 2;
      if (!busy) waitUntil(this.refresh(waitUntil));
      return this.current;
    }
    // Cold: every waiting request shares one refresh.
    this.inflight ??= this.refresh(waitUntil).finally(() => {
      this.inflight = null;
    });
    await this.inflight;
    return this.current;
  }

  /** Brings the ruleset up to date; writes to the location cache and KV go to `waitUntil`. */
  async refresh(waitUntil: WaitUntil = (p) => void p.catch(() => undefined)): Promise<void> {
    if (!this.client) return;
    this.refreshingSince = this.now();
    let checkedAt: number | null = null;
    try {
      checkedAt = await this.takeLocationCopy();
      if (checkedAt !== null) return;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.held?.etag) headers['if-none-match'] = this.held.etag;
      const fetched = await this.client.call('/v1/rulesets/current', { headers }, this.options.timeoutMs, readFeedAnswer);
      const fetchedAt = this.now();
      if (fetched.kind === 'new') {
        this.use(fetched.held, 'api');
        if (this.options.vault) waitUntil(this.options.vault.save(fetched.held));
      }
      if (this.held && this.options.cache) waitUntil(this.options.cache.write(this.held, fetchedAt));
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (error instanceof KeyRefused) await this.forget();
      else if (!this.held) await this.takeKeptCopy();
    } finally {
      this.checkedAt = checkedAt ?? this.now();
      this.refreshingSince = null;
    }
  }

  private use(held: HeldRuleset, source: RulesetSource): void {
    this.held = held;
    this.source = source;
  }

  /**
   * Takes the location's copy when it is fresher than the TTL and answers when it was fetched (the
   * isolate's copy then goes stale when the location's does, so a publish is not delayed twice);
   * null to ask the API.
   */
  private async takeLocationCopy(): Promise<number | null> {
    const cache = this.options.cache;
    if (!cache) return null;
    try {
      const copy = await cache.read();
      const now = this.now();
      // Fresher than the TTL; a copy from the future beyond clock skew is not believed.
      const age = copy ? now - copy.fetchedAt : Number.NaN;
      if (!copy || !(age < this.options.ttlMs && age > -this.options.ttlMs)) return null;
      if (!(copy.etag !== null && copy.etag === this.held?.etag)) {
        const read = readRulesetText(copy.text, copy.etag);
        if (!read.ok) return null;
        this.use(read.held, 'location-cache');
      }
      return Math.min(now, copy.fetchedAt);
    } catch {
      return null;
    }
  }

  private async takeKeptCopy(): Promise<void> {
    const vault = this.options.vault;
    if (!vault) return;
    try {
      const kept = await vault.read();
      if (kept?.ok) this.use(kept.held, 'kv');
      else if (kept) this.lastError = `${this.lastError}; the copy in KV is ignored: ${kept.error}`;
    } catch (error) {
      this.lastError = `${this.lastError}; KV: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private async forget(): Promise<void> {
    this.held = null;
    this.source = null;
    const evictions: Array<Promise<unknown>> = [];
    if (this.options.cache) evictions.push(this.options.cache.evict());
    if (this.options.vault) evictions.push(this.options.vault.erase());
    const failed = (await Promise.allSettled(evictions)).filter((r) => r.status === 'rejected');
    if (failed.length > 0) this.lastError = `${this.lastError}; eviction failed: ${failed.map((r) => String((r as PromiseRejectedResult).reason)).join('; ')}`;
  }
}

async function readFeedAnswer(response: Response): Promise<Fetched> {
  if (response.status === 304) {
    await response.body?.cancel();
    return { kind: 'unchanged' };
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new KeyRefused(`ruleset feed refused the edge key (${response.status}): ruleset forgotten`);
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (response.status !== 200 || length > MAX_RULESET_BYTES) {
    await response.body?.cancel();
    throw new Error(`ruleset feed answered ${response.status}`);
  }
  const read = readRulesetText(await response.text(), response.headers.get('etag'));
  if (!read.ok) throw new Error(`ruleset feed: ${read.error}`);
  return { kind: 'new', held: read.held };
}
