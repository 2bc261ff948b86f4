/**
 * The Worker's environment (wrangler.toml [vars] and secrets) and its parsed, defaulted form.
 * Missing or malformed settings degrade features (no cookie, no identify, no proxy), never crash.
 * A secret that is too short, or a committed placeholder outside ENVIRONMENT=development, counts
 * as missing: nobody can forge cookies or identify tokens with a value from the repository.
 */
import type { RulesetKv } from './upstream/ruleset-vault.js';

export interface Env {
  /** Base URL of the API (ruleset feed, events, memberships). */
  API_URL?: string;
  /** Secret: API key with the `edge` role. */
  EDGE_API_KEY?: string;
  /** Secret: signs the `ae_vid` cookie. At least 16 characters, or no visitor state is kept. */
  COOKIE_SECRET?: string;
  /** Secret shared with the site's backend: signs identify tokens. */
  IDENTIFY_SECRET?: string;
  /**
   * Several sites in one Worker (edge/sites/config.ts): a JSON array of sites, each with its hosts
   * and the names of its secrets. Unset: one site, configured by the variables here.
   */
  SITES?: string | unknown[];
  /** Proxy mode: the site's origin server. */
  ORIGIN_URL?: string;
  /** Comma-separated origins allowed to call /v1/tag and /v1/identify with credentials. */
  ALLOWED_ORIGINS?: string;
  RULESET_TTL_SECONDS?: string;
  RULESET_TIMEOUT_MS?: string;
  MEMBERSHIP_TTL_SECONDS?: string;
  REPORT_BATCH_MS?: string;
  /**
   * Workers KV namespace binding (wrangler.toml [[kv_namespaces]]): the last good ruleset, read by a
   * fresh isolate when the API is down. Optional: without it a fresh isolate in an outage tags nothing.
   */
  RULESETS?: RulesetKv;
  /** Local development and tests only: "true" honours the `x-ae-dev-cf` header (geography). */
  DEV_CF_HEADER?: string;
  /** Benchmark only: "true" enables `POST /__bench/constant` (a constant answer, no evaluation). */
  BENCH_CONSTANT?: string;
  /**
   * "development" (local `wrangler dev`, tests) lets the Worker sign with the placeholder secrets
   * committed in wrangler.toml. Anything else, or unset, is production: it refuses them.
   */
  ENVIRONMENT?: string;
}

export interface EdgeConfig {
  apiUrl: URL | null;
  apiKey: string | null;
  cookieSecret: string | null;
  identifySecret: string | null;
  originUrl: URL | null;
  allowedOrigins: ReadonlySet<string>;
  rulesetTtlMs: number;
  rulesetTimeoutMs: number;
  membershipTtlMs: number;
  /** How long the first report of a batch waits for others to join it. */
  reportBatchMs: number;
  /** Geography may come from the `x-ae-dev-cf` header (wrangler dev has no real `cf`). Never in production. */
  devCfHeader: boolean;
  /** `POST /__bench/constant` answers a constant response (bench:edge's baseline). */
  benchConstant: boolean;
  /** ENVIRONMENT = "development": placeholder secrets are allowed. */
  development: boolean;
  /**
   * The site of SITES these settings are for; null for the single-site configuration. Its label is
   * signed into the visitor cookie, so a cookie of one site never verifies on another.
   */
  site: { label: string; cookieDomain: string | null } | null;
  /** Why a secret that is set is not used (placeholder outside development, too short), by name. */
  secretProblems: Partial<Record<'COOKIE_SECRET' | 'IDENTIFY_SECRET', string>>;
}

function url(raw: string | undefined): URL | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

function number(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export const MIN_SECRET_LENGTH = 16;
/** Memberships cached in the cookie are refetched at least this often, so an erasure is honoured within it. */
export const MAX_MEMBERSHIP_TTL_SECONDS = 3600;
/** The values committed in wrangler.toml's [vars]: known to anyone who reads the repository. */
export const PLACEHOLDER_SECRETS: readonly string[] = ['dev-cookie-secret-change-me-0123456789', 'dev-identify-secret-change-me-0123456789'];

/** True for a committed placeholder, or anything that says it is one. */
export function isPlaceholderSecret(raw: string): boolean {
  return PLACEHOLDER_SECRETS.includes(raw) || /change[-_ ]?me/i.test(raw);
}

/** The secret to sign with, or null with the reason a set value is refused. */
function secret(name: 'COOKIE_SECRET' | 'IDENTIFY_SECRET', raw: string | undefined, development: boolean, problems: EdgeConfig['secretProblems']): string | null {
  if (!raw) return null;
  if (raw.length < MIN_SECRET_LENGTH) {
    problems[name] = `${name} is shorter than ${MIN_SECRET_LENGTH} characters and is ignored`;
    return null;
  }
  if (!development && isPlaceholderSecret(raw)) {
    problems[name] = `${name} is the placeholder committed in wrangler.toml and is refused outside ENVIRONMENT=development: set a real one with \`npx wrangler secret put ${name}\``;
    return null;
  }
  return raw;
}

/** The origin of a URL as browsers send it in `Origin`, or null. */
export function normalizeOrigin(raw: string): string | null {
  return url(raw.trim())?.origin ?? null;
}

export function parseConfig(env: Env): EdgeConfig {
  const allowedOrigins = new Set<string>();
  for (const raw of (env.ALLOWED_ORIGINS ?? '').split(',')) {
    const origin = raw.trim() === '' ? null : normalizeOrigin(raw);
    if (origin) allowedOrigins.add(origin);
  }
  const development = env.ENVIRONMENT === 'development';
  const secretProblems: EdgeConfig['secretProblems'] = {};
  return {
    apiUrl: url(env.API_URL),
    apiKey: env.EDGE_API_KEY || null,
    cookieSecret: secret('COOKIE_SECRET', env.COOKIE_SECRET, development, secretProblems),
    identifySecret: secret('IDENTIFY_SECRET', env.IDENTIFY_SECRET, development, secretProblems),
    originUrl: url(env.ORIGIN_URL),
    allowedOrigins,
    rulesetTtlMs: number(env.RULESET_TTL_SECONDS, 5, 0, 3600) * 1000,
    rulesetTimeoutMs: number(env.RULESET_TIMEOUT_MS, 1500, 50, 10_000),
    membershipTtlMs: number(env.MEMBERSHIP_TTL_SECONDS, 300, 0, MAX_MEMBERSHIP_TTL_SECONDS) * 1000,
    reportBatchMs: number(env.REPORT_BATCH_MS, 1000, 0, 10_000),
    devCfHeader: env.DEV_CF_HEADER === 'true',
    benchConstant: env.BENCH_CONSTANT === 'true',
    development,
    site: null,
    secretProblems,
  };
}
