/**
 * The published ruleset, kept per isolate. A cached ruleset is served at once and revalidated in
 * the background (ETag) once it is older than the TTL; only an isolate with no ruleset waits, and
 * then at most the timeout. Whatever the API answers that is not a valid ruleset (errors, timeouts,
 * garbage, a ruleset of another format version) leaves the last good one in place, except a refusal of
 * the key itself (401 or 403: the key was revoked, or its workspace deleted): then the ruleset is
 * forgotten at once, so a deleted workspace's segments stop tagging visitors within one TTL.
 */
import { prepareRuleset, type PreparedRuleset } from '../../schema/ruleset.js';
import type { ApiClient } from './api-client.js';

/** Larger answers are refused unread (a ruleset of 1,000 segments is a few hundred KB). */
const MAX_RULESET_BYTES = 16 * 1024 * 1024;

/** The API refused the edge key: what was fetched with it must not be served any longer. */
class KeyRefused extends Error {}

type Fetched = { kind: 'unchanged' } | { kind: 'new'; ruleset: PreparedRuleset; etag: string | null };

export interface RulesetStoreOptions {
  ttlMs: number;
  timeoutMs: number;
  now?: () => number;
}

export class RulesetStore {
  private current: PreparedRuleset | null = null;
  private etag: string | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshingSince: number | null = null;
  /** The reason the last refresh failed, for diagnostics. */
  lastError: string | null = null;

  constructor(
    private readonly client: ApiClient | null,
    private readonly options: RulesetStoreOptions,
  ) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** The ruleset to evaluate this request with (null when there has never been a good one). */
  async get(waitUntil: (promise: Promise<unknown>) => void): Promise<PreparedRuleset | null> {
    const now = this.now();
    if (!this.client || now - this.checkedAt < this.options.ttlMs) return this.current;
    if (this.current) {
      // One background revalidation at a time; a stuck one is given up after the timeout.
      const busy = this.refreshingSince !== null && now - this.refreshingSince < this.options.timeoutMs * 2;
      if (!busy) waitUntil(this.refresh());
      return this.current;
    }
    await this.refresh();
    return this.current;
  }

  async refresh(): Promise<void> {
    if (!this.client) return;
    this.refreshingSince = this.now();
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.etag && this.current) headers['if-none-match'] = this.etag;
      const fetched = await this.client.call('/v1/rulesets/current', { headers }, this.options.timeoutMs, readRuleset);
      if (fetched.kind === 'new') {
        this.current = fetched.ruleset;
        this.etag = fetched.etag;
      }
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (error instanceof KeyRefused) {
        this.current = null;
        this.etag = null;
      }
    } finally {
      this.checkedAt = this.now();
      this.refreshingSince = null;
    }
  }
}

async function readRuleset(response: Response): Promise<Fetched> {
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
  const text = await response.text();
  if (text.length > MAX_RULESET_BYTES) throw new Error('ruleset too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('ruleset feed answered invalid JSON');
  }
  const prepared = prepareRuleset(json);
  if (!prepared.ok) throw new Error(`ruleset rejected: ${prepared.errors.slice(0, 3).join('; ')}`);
  return { kind: 'new', ruleset: prepared.ruleset, etag: response.headers.get('etag') };
}
