/**
 * What the Worker builds once per isolate (and configuration): the parsed config, the API client,
 * the ruleset store (with the location's Cache API and the KV namespace RULESETS when bound) and the
 * event reporter; one set per site when SITES lists several (edge/sites/deployment.ts). Handlers
 * read them from the Hono context.
 */
import { parseConfig, type EdgeConfig, type Env } from './config.js';
import { ApiClient, type FetchFn } from './upstream/api-client.js';
import { EventReporter } from './upstream/reporter.js';
import { feedIdentity } from './upstream/feed-identity.js';
import { RulesetLocationCache, type RulesetCacheStorage } from './upstream/ruleset-cache.js';
import { RulesetStore } from './upstream/ruleset-store.js';
import { isRulesetKv, RulesetVault } from './upstream/ruleset-vault.js';
import type { SiteSettings } from './sites/config.js';

export interface Services {
  config: EdgeConfig;
  api: ApiClient | null;
  rulesets: RulesetStore;
  reporter: EventReporter;
  /** Outbound fetch for the origin in proxy mode. */
  fetch: FetchFn;
}

export interface ServiceOptions {
  /** Replaces the global fetch for every outbound call (API and origin): tests, service bindings. */
  fetch?: FetchFn;
  /**
   * The cache the isolates of a location share rulesets through; default `caches.default`, null
   * for none (the workerd test harness, whose fake API would otherwise leak between tests).
   */
  cache?: RulesetCacheStorage | null;
  /** The clock of the ruleset store (tests move it past the TTL). */
  now?: () => number;
}

function defaultCache(): RulesetCacheStorage | null {
  const storage = (globalThis as { caches?: { default?: RulesetCacheStorage } }).caches;
  return storage?.default ?? null;
}

/** The settings of one site of SITES over the Worker-wide ones (API, TTLs, dev hooks). */
function siteConfig(base: EdgeConfig, site: SiteSettings): EdgeConfig {
  return {
    ...base,
    apiKey: site.edgeKey,
    cookieSecret: site.cookieSecret,
    identifySecret: site.identifySecret,
    allowedOrigins: site.allowedOrigins,
    originUrl: site.originUrl ?? base.originUrl,
    site: { label: site.label, cookieDomain: site.cookieDomain },
    secretProblems: {},
  };
}

/**
 * The services of one site: the single-site configuration, or `site` of SITES (its own API client
 * and key, so its own ruleset store, KV and cache entries, reporter and membership calls).
 */
export function createServices(env: Env, options: ServiceOptions = {}, site?: SiteSettings): Services {
  const base = parseConfig(env);
  const config = site ? siteConfig(base, site) : base;
  // Once per environment (isolate): the Worker runs on, without visitor state or identify.
  if (!site) for (const problem of Object.values(config.secretProblems)) console.warn(`edge config: ${problem}`);
  const api = config.apiUrl ? new ApiClient({ baseUrl: config.apiUrl, apiKey: config.apiKey, fetch: options.fetch }) : null;
  return {
    config,
    api,
    rulesets: createRulesetStore(env, config, api, options),
    reporter: new EventReporter(api, { batchMs: config.reportBatchMs }),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

function createRulesetStore(env: Env, config: EdgeConfig, api: ApiClient | null, options: ServiceOptions): RulesetStore {
  const { rulesetTtlMs: ttlMs, rulesetTimeoutMs: timeoutMs } = config;
  const now = options.now ?? (() => Date.now());
  if (!api || !config.apiUrl) return new RulesetStore(api, { ttlMs, timeoutMs, now });
  const feedUrl = new URL('v1/rulesets/current', config.apiUrl.href.replace(/\/?$/, '/')).href;
  const identity = feedIdentity(feedUrl, config.apiKey);
  identity.catch(() => undefined);
  const storage = options.cache === undefined ? defaultCache() : options.cache;
  const cacheKey = identity.then((id) => `${feedUrl}?ae-edge=${id}`);
  cacheKey.catch(() => undefined);
  const cache = storage ? new RulesetLocationCache(storage, cacheKey, { ttlMs, timeoutMs }) : null;
  const kvKey = identity.then((id) => `ruleset:${id}`);
  kvKey.catch(() => undefined);
  const vault = isRulesetKv(env.RULESETS) ? new RulesetVault(env.RULESETS, kvKey, { timeoutMs, now }) : null;
  return new RulesetStore(api, { ttlMs, timeoutMs, now, cache, vault });
}
