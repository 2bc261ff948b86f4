/**
 * The Worker under test with a fake upstream: one `fetch` that plays the API (ruleset feed,
 * events, memberships) and the origin server, and records what it was sent. Every test builds its
 * own app, so per-isolate caches never leak between tests.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { compileRuleset, type RulesetSplit } from '../../schema/ruleset.js';
import { buildCatalogue } from '../../schema/attributes.js';
import type { SegmentInfo } from '../../schema/validate.js';
import { validateRule } from '../../schema/validate.js';
import type { Scope } from '../../schema/rule.js';
import { createApp, type Env } from '../../edge/index.js';

export const API = 'http://api.test';
export const ORIGIN = 'http://origin.test';
export const SITE = 'https://shop.example';

export const SEGMENTS: Array<{ slug: string; rule: unknown; scope: Scope }> = [
  { slug: 'sea-mobile', scope: 'edge', rule: { all: [{ attr: 'geo.country', op: 'in', value: ['VN', 'TH'] }, { attr: 'device.type', op: 'eq', value: 'mobile' }] } },
  { slug: 'hanoi', scope: 'edge', rule: { attr: 'geo.city', op: 'eq', value: 'Hanoi' } },
  { slug: 'europe', scope: 'edge', rule: { attr: 'geo.continent', op: 'eq', value: 'EU' } },
  { slug: 'from-google', scope: 'edge', rule: { attr: 'utm.source', op: 'eq', value: 'google' } },
  { slug: 'returning', scope: 'edge', rule: { attr: 'visit.isNew', op: 'eq', value: false } },
  { slug: 'pricing-fan', scope: 'edge', rule: { event: 'page_view', where: [{ attr: 'path', op: 'matches', value: '/pricing/**' }], min: 3, inLastDays: 30 } },
  { slug: 'bots', scope: 'edge', rule: { attr: 'device.type', op: 'eq', value: 'bot' } },
  { slug: 'loyal', scope: 'profile', rule: { attr: 'purchases.count', op: 'gt', value: 3 } },
  { slug: 'loyal-visitor', scope: 'edge', rule: { segment: 'loyal' } },
];

/** The API's ruleset body for these segments and splits (compiled exactly as the API compiles it). */
export function rulesetJson(segments = SEGMENTS, version = 'v-test-1', splits: readonly RulesetSplit[] = []): unknown {
  const catalogue = buildCatalogue([]);
  const infos = new Map<string, SegmentInfo>(segments.map((s) => [s.slug, { status: 'published', scope: s.scope, references: [] }]));
  const compiled = segments.map((s) => {
    const result = validateRule(s.rule, catalogue, { segments: infos, selfSlug: s.slug });
    if (!result.ok) throw new Error(`test segment ${s.slug} is invalid: ${JSON.stringify(result.errors)}`);
    return { slug: s.slug, rule: result.rule, scope: result.scope };
  });
  return JSON.parse(JSON.stringify(compileRuleset(compiled, { version, splits })));
}

export type RulesetMode = 'ok' | 'down' | 'garbage' | 'invalid' | 'status500' | 'hang' | 'revoked';

export class FakeUpstream {
  rulesetMode: RulesetMode = 'ok';
  ruleset: unknown = rulesetJson();
  etag = '"etag-1"';
  rulesetCalls: Array<{ auth: string | null; ifNoneMatch: string | null }> = [];
  /**
   * Several workspaces (SITES): the ruleset of each `Authorization` header; when any is set, a key
   * not among them is refused with 401, as the API refuses an unknown key.
   */
  rulesetsByAuth = new Map<string, unknown>();
  events: Array<Record<string, unknown>> = [];
  /** Every events post that was stored, with its `Authorization` header. */
  eventPostsByAuth: Array<{ auth: string | null; events: Array<Record<string, unknown>> }> = [];
  /** The `Authorization` header of every memberships call. */
  membershipAuths: Array<string | null> = [];
  eventsStatus = 202;
  /** The next this many event posts are answered 503 and not stored (an API hiccup). */
  eventsFailures = 0;
  eventsPosts = 0;
  memberships = new Map<string, string[]>();
  /** The `profileId` the memberships answer carries for an external id; none when absent (an older API). */
  profileIds = new Map<string, unknown>();
  membershipCalls = 0;
  membershipsDown = false;
  legacyNotFound = false;
  origin: Request[] = [];

  constructor(readonly api: string = API) {}

  readonly fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin === ORIGIN) return this.answerOrigin(request);
    if (url.origin !== this.api) throw new TypeError(`unexpected fetch to ${url.href}`);
    if (url.pathname === '/v1/rulesets/current') return this.answerRuleset(request);
    if (url.pathname === '/v1/edge/events') {
      this.eventsPosts += 1;
      const { events } = (await request.json()) as { events: Array<Record<string, unknown>> };
      if (this.eventsFailures > 0) {
        this.eventsFailures -= 1;
        return Response.json({ error: { code: 'INTERNAL_SERVER_ERROR' } }, { status: 503 });
      }
      this.events.push(...events);
      this.eventPostsByAuth.push({ auth: request.headers.get('authorization'), events });
      return Response.json({ accepted: events.length, duplicates: 0, rejected: [] }, { status: this.eventsStatus });
    }
    const m = /^\/v1\/profiles\/([^/]+)\/memberships$/.exec(url.pathname);
    if (m) {
      this.membershipCalls += 1;
      this.membershipAuths.push(request.headers.get('authorization'));
      if (this.membershipsDown) throw new TypeError('connection refused');
      const externalId = decodeURIComponent(m[1] ?? '');
      const segments = this.memberships.get(externalId);
      if (!segments) {
        // As the API answers an unknown or erased profile; `legacyNotFound`: an older API's plain 404.
        const error = this.legacyNotFound ? 'not found' : { code: 'NOT_FOUND', reason: 'PROFILE_GONE', message: 'No profile with this externalId' };
        return Response.json({ error }, { status: 404 });
      }
      return Response.json(this.profileIds.has(externalId) ? { profileId: this.profileIds.get(externalId), segments } : { segments });
    }
    return new Response('not found', { status: 404 });
  };

  private answerRuleset(request: Request): Response | Promise<Response> {
    const ifNoneMatch = request.headers.get('if-none-match');
    this.rulesetCalls.push({ auth: request.headers.get('authorization'), ifNoneMatch });
    switch (this.rulesetMode) {
      case 'down':
        throw new TypeError('connection refused');
      case 'hang':
        return new Promise<Response>((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      case 'garbage':
        return new Response('<html>502 Bad Gateway</html>', { status: 200, headers: { 'content-type': 'application/json' } });
      case 'invalid':
        return Response.json({ version: 'v-weird', format: 999, segments: 'nope' }, { headers: { etag: '"weird"' } });
      case 'status500':
        return new Response('boom', { status: 500 });
      case 'revoked':
        return Response.json({ error: { code: 'UNAUTHENTICATED', message: 'API key revoked' } }, { status: 401 });
      case 'ok': {
        const auth = request.headers.get('authorization') ?? '';
        if (this.rulesetsByAuth.size > 0) {
          if (!this.rulesetsByAuth.has(auth)) return Response.json({ error: { code: 'UNAUTHENTICATED', message: 'unknown key' } }, { status: 401 });
          return Response.json(this.rulesetsByAuth.get(auth), { headers: { etag: `"etag-${auth.length}-${auth.slice(-8)}"` } });
        }
        if (ifNoneMatch === this.etag) return new Response(null, { status: 304, headers: { etag: this.etag } });
        return Response.json(this.ruleset, { headers: { etag: this.etag } });
      }
    }
  }

  private answerOrigin(request: Request): Response {
    this.origin.push(request);
    return new Response(`<html>origin page ${new URL(request.url).pathname}</html>`, {
      status: 200,
      headers: { 'content-type': 'text/html', 'set-cookie': 'site_session=abc; Path=/' },
    });
  }
}

export function testEnv(overrides: Partial<Env> = {}): Env {
  return {
    API_URL: API,
    EDGE_API_KEY: 'edge-key-test',
    COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef',
    IDENTIFY_SECRET: 'test-identify-secret-0123456789abcdef',
    ALLOWED_ORIGINS: `${SITE}, https://www.shop.example`,
    RULESET_TTL_SECONDS: '5',
    REPORT_BATCH_MS: '0',
    ...overrides,
  };
}

export const UA_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
export const UA_DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface Edge {
  upstream: FakeUpstream;
  env: Env;
  /** Sends a request through the Worker and waits for its waitUntil work (reports, revalidation). */
  send(request: Request): Promise<Response>;
  /** POST /v1/tag for `page` with optional cookie jar value, cf and headers. */
  tag(page: string, options?: TagOptions): Promise<Response>;
}

export interface TagOptions {
  cookie?: string;
  cf?: Record<string, unknown>;
  headers?: Record<string, string>;
  referrer?: string;
}

/**
 * No location cache by default: every fake API answers at the same URL with the same key, so a
 * shared `caches.default` would carry rulesets from one test to the next (ruleset-sharing.test.ts
 * tests the cache against a real server, one feed URL per test).
 */
export function createEdge(envOverrides: Partial<Env> = {}, upstream = new FakeUpstream()): Edge {
  const app = createApp({ fetch: upstream.fetch, cache: null });
  const env = testEnv(envOverrides);
  const send = async (request: Request): Promise<Response> => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  const tag = (page: string, options: TagOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': UA_IPHONE, ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    const body = JSON.stringify(options.referrer ? { url: page, referrer: options.referrer } : { url: page });
    return send(new Request('https://edge.shop.example/v1/tag', { method: 'POST', headers, body, cf: options.cf }));
  };
  return { upstream, env, send, tag };
}

/** The `ae_vid=...` pair of a response's Set-Cookie, for the next request's Cookie header. */
export function visitorCookie(response: Response): string | undefined {
  const line = response.headers.getSetCookie().find((c) => c.startsWith('ae_vid='));
  return line?.split(';')[0];
}

export interface TagAnswer {
  visitorId: string | null;
  tags: string[];
  ruleset: string | null;
  variants: Record<string, string>;
}

export async function tagAnswer(response: Response): Promise<TagAnswer> {
  expect(response.status).toBe(200);
  return (await response.json()) as TagAnswer;
}
