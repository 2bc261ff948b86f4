/**
 * What the Worker builds once per isolate (and configuration): the parsed config, the API client,
 * the ruleset cache and the event reporter. Handlers read them from the Hono context.
 */
import { parseConfig, type EdgeConfig, type Env } from './config.js';
import { ApiClient, type FetchFn } from './upstream/api-client.js';
import { EventReporter } from './upstream/reporter.js';
import { RulesetStore } from './upstream/ruleset-store.js';

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
}

export function createServices(env: Env, options: ServiceOptions = {}): Services {
  const config = parseConfig(env);
  // Once per environment (isolate): the Worker runs on, without visitor state or identify.
  for (const problem of Object.values(config.secretProblems)) console.warn(`edge config: ${problem}`);
  const api = config.apiUrl ? new ApiClient({ baseUrl: config.apiUrl, apiKey: config.apiKey, fetch: options.fetch }) : null;
  return {
    config,
    api,
    rulesets: new RulesetStore(api, { ttlMs: config.rulesetTtlMs, timeoutMs: config.rulesetTimeoutMs }),
    reporter: new EventReporter(api, { batchMs: config.reportBatchMs }),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}
