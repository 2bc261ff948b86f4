/**
 * Per-key limits, in memory, per API process: a token bucket of cost units (api/graphql/costs.ts)
 * refilled at `costPerSecond` up to `burst`, and at most `concurrency` requests of one key at once.
 * A multi-process deployment gives each key these limits in every process. Over a limit a request
 * is refused before it runs, with RATE_LIMITED and `retryAfter` (seconds; HTTP 429 + Retry-After).
 */
import { RateLimitedError } from '../errors.js';
import { MAX_QUERY_COMPLEXITY } from '../graphql/limits.js';

export interface KeyLimits {
  /** Cost units a key regains per second; 0 turns the rate limit off. */
  costPerSecond: number;
  /** The most units a key can spend at once (at least the per-request budget, so any valid request can run). */
  burst: number;
  /** Requests of one key running at once; 0 turns the limit off. */
  concurrency: number;
}

/**
 * A key may spend one full budget at once, then 1,000 units a second (2 previews a second), with
 * 4 requests at once at most (4 of the pool's 10 PostgreSQL connections). PGlite gets the same: its
 * one connection serialises statements anyway, and a frontend's parallel queries of one key must not
 * be refused on the embedded database (with 1, three writers of one key got RATE_LIMITED there).
 */
export const DEFAULT_KEY_LIMITS: KeyLimits = { costPerSecond: 1_000, burst: MAX_QUERY_COMPLEXITY, concurrency: 4 };
export const NO_KEY_LIMITS: KeyLimits = { costPerSecond: 0, burst: MAX_QUERY_COMPLEXITY, concurrency: 0 };

/** Limits from RATE_LIMIT_COST_PER_SECOND, RATE_LIMIT_BURST and RATE_LIMIT_CONCURRENCY over `base`. */
export function keyLimitsFromEnv(base: KeyLimits, env: NodeJS.ProcessEnv = process.env): KeyLimits {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, not '${raw}'`);
    return value;
  };
  return { costPerSecond: read('RATE_LIMIT_COST_PER_SECOND', base.costPerSecond), burst: read('RATE_LIMIT_BURST', base.burst), concurrency: read('RATE_LIMIT_CONCURRENCY', base.concurrency) };
}

interface KeyState {
  tokens: number;
  at: number;
  running: number;
}

/** Forget idle keys with a full bucket once this many are tracked. */
const PRUNE_AT = 10_000;

export class KeyLimiter {
  private readonly keys = new Map<string, KeyState>();
  readonly limits: KeyLimits;

  constructor(limits: KeyLimits, private readonly clock: () => number = () => performance.now()) {
    this.limits = { ...limits, burst: Math.max(limits.burst, MAX_QUERY_COMPLEXITY) };
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= PRUNE_AT) this.prune();
      state = { tokens: this.limits.burst, at: this.clock(), running: 0 };
      this.keys.set(key, state);
    }
    const now = this.clock();
    state.tokens = Math.min(this.limits.burst, state.tokens + ((now - state.at) / 1000) * this.limits.costPerSecond);
    state.at = now;
    return state;
  }

  private prune(): void {
    for (const [key, state] of this.keys) {
      if (state.running === 0 && state.tokens >= this.limits.burst) this.keys.delete(key);
    }
  }

  /** Takes one of the key's concurrent slots, or throws RATE_LIMITED; call the returned function when the request ends. */
  enter(key: string): () => void {
    if (this.limits.concurrency === 0) return () => undefined;
    const state = this.state(key);
    if (state.running >= this.limits.concurrency) {
      throw new RateLimitedError(`This API key already has ${state.running} requests running (the limit is ${this.limits.concurrency}): wait for them`, 1);
    }
    state.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.running--;
    };
  }

  /** Spends `cost` units of the key's bucket, or throws RATE_LIMITED with the seconds until it has them. */
  charge(key: string, cost: number): void {
    if (this.limits.costPerSecond === 0 || cost <= 0) return;
    const state = this.state(key);
    if (state.tokens < cost) {
      const wait = (cost - state.tokens) / this.limits.costPerSecond;
      throw new RateLimitedError(`This API key has used its share of database work (${this.limits.costPerSecond} units a second; this request costs ${cost}): retry later`, wait);
    }
    state.tokens -= cost;
  }
}
