/**
 * The Worker's environment (wrangler.toml [vars] and secrets) and its parsed, defaulted form.
 * Missing or malformed settings degrade features (no cookie, no identify, no proxy), never crash.
 */
export interface Env {
  /** Base URL of the API (ruleset feed, events, memberships). */
  API_URL?: string;
  /** Secret: API key with the `edge` role. */
  EDGE_API_KEY?: string;
  /** Secret: signs the `ae_vid` cookie. At least 16 characters, or no visitor state is kept. */
  COOKIE_SECRET?: string;
  /** Secret shared with the site's backend: signs identify tokens. */
  IDENTIFY_SECRET?: string;
  /** Proxy mode: the site's origin server. */
  ORIGIN_URL?: string;
  /** Comma-separated origins allowed to call /v1/tag and /v1/identify with credentials. */
  ALLOWED_ORIGINS?: string;
  RULESET_TTL_SECONDS?: string;
  RULESET_TIMEOUT_MS?: string;
  MEMBERSHIP_TTL_SECONDS?: string;
  REPORT_BATCH_MS?: string;
  /** Local development and tests only: "true" honours the `x-ae-dev-cf` header (geography). */
  DEV_CF_HEADER?: string;
  /** Benchmark only: "true" enables `POST /__bench/constant` (a constant answer, no evaluation). */
  BENCH_CONSTANT?: string;
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

const secret = (raw: string | undefined): string | null => (raw && raw.length >= 16 ? raw : null);

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
  return {
    apiUrl: url(env.API_URL),
    apiKey: env.EDGE_API_KEY || null,
    cookieSecret: secret(env.COOKIE_SECRET),
    identifySecret: secret(env.IDENTIFY_SECRET),
    originUrl: url(env.ORIGIN_URL),
    allowedOrigins,
    rulesetTtlMs: number(env.RULESET_TTL_SECONDS, 5, 0, 3600) * 1000,
    rulesetTimeoutMs: number(env.RULESET_TIMEOUT_MS, 1500, 50, 10_000),
    membershipTtlMs: number(env.MEMBERSHIP_TTL_SECONDS, 300, 0, 86_400) * 1000,
    reportBatchMs: number(env.REPORT_BATCH_MS, 1000, 0, 10_000),
    devCfHeader: env.DEV_CF_HEADER === 'true',
    benchConstant: env.BENCH_CONSTANT === 'true',
  };
}
