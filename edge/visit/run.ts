/**
 * One visit, shared by `/v1/tag` and proxy mode: read the visitor's state, build the context,
 * evaluate the ruleset, assign the A/B split variants of the tagged segments, record the page view,
 * sign the new state and report the view.
 */
import { appendPageView, buildEdgeContext, type VisitorHistory } from '../../schema/context.js';
import { evaluateRuleset, variantsOf, type PreparedRuleset } from '../../schema/ruleset.js';
import { classifyDevice } from '../context/device.js';
import { DEV_CF_HEADER, geoFromCf, geoFromDevHeader } from '../context/geo.js';
import type { Services } from '../services.js';
import type { VisitorState } from '../state/codec.js';
import { STATE_LIMITS } from '../state/codec.js';
import { clearCookie, COOKIE_MAX_AGE, readCookie, serializeCookie, signVisitorState, verifyVisitorCookie, VISITOR_COOKIE, type CookieOptions } from '../state/cookies.js';
import { isStorableText, REPORT_LIMITS, storableDevice, storableGeo, storableProperties } from '../upstream/storable.js';
import { refusesTracking } from './consent.js';
import { freshIdentity } from './identity.js';

/** History kept while no ruleset says how much is needed. */
const DEFAULT_KEEP_DAYS = 30;

export interface VisitInput {
  request: Request;
  pageUrl: string;
  referrer?: string;
  /** False for requests that are not page views (proxied assets): tags only, state untouched. */
  recordView: boolean;
  sameSite: CookieOptions['sameSite'];
}

export interface VisitOutcome {
  visitorId: string | null;
  tags: string[];
  /**
   * The variant of every split of a tagged segment, keyed `<segment>:<split>`, assigned
   * (schema/split.ts) over the profile id of an identified visitor whose profile id is known (as
   * the API's `splitAssignment`), else over the visitor id; empty without a visitor id (consent
   * refused, no cookie secret).
   */
  variants: Record<string, string>;
  rulesetVersion: string | null;
  /** A Set-Cookie header value to send, if any. */
  setCookie: string | null;
}

type WaitUntil = (promise: Promise<unknown>) => void;

/** An external id is reported as it is or not at all: changed, it would name another person. */
const reportableExternalId = (id: string): boolean => id.length <= REPORT_LIMITS.externalId && isStorableText(id);

/** The visitor's verified state, or null (none, refused, or not verifiable: another secret or site). */
export async function readVisitorState(services: Services, headers: Headers): Promise<VisitorState | null> {
  const secret = services.config.cookieSecret;
  if (!secret) return null;
  return verifyVisitorCookie(readCookie(headers.get('cookie'), VISITOR_COOKIE), secret, services.config.site?.label ?? null);
}

/** The visitor cookie's `Domain`: the site's cookieDomain when the request's host is under it (else the browser would refuse it). */
export function visitorCookieDomain(services: Services, request: Request): string | undefined {
  const domain = services.config.site?.cookieDomain;
  if (!domain) return undefined;
  const host = new URL(request.url).hostname;
  return host === domain || host.endsWith(`.${domain}`) ? domain : undefined;
}

/** The signed Set-Cookie of a state, or null when it cannot be signed. */
export async function visitorSetCookie(services: Services, request: Request, state: VisitorState, secret: string, sameSite: CookieOptions['sameSite']): Promise<string | null> {
  const value = await signVisitorState(state, secret, services.config.site?.label ?? null);
  const domain = visitorCookieDomain(services, request);
  return value ? serializeCookie(VISITOR_COOKIE, value, { sameSite, maxAge: COOKIE_MAX_AGE, ...(domain ? { domain } : {}) }) : null;
}

function evaluate(ruleset: PreparedRuleset | null, ctx: Parameters<typeof evaluateRuleset>[1], now: number): string[] {
  if (!ruleset) return [];
  try {
    return evaluateRuleset(ruleset, ctx, now);
  } catch {
    return []; // fail closed: never a wrong tag, never a 500
  }
}

export async function runVisit(services: Services, input: VisitInput, waitUntil: WaitUntil): Promise<VisitOutcome> {
  const { request } = input;
  const headers = request.headers;
  const refused = refusesTracking(headers);
  const [state, ruleset] = await Promise.all([refused ? null : readVisitorState(services, headers), services.rulesets.get(waitUntil)]);
  const now = Date.now();
  const identity = refused ? undefined : await freshIdentity(services, state?.identity, now);
  const device = classifyDevice({
    userAgent: headers.get('user-agent'),
    mobileHint: headers.get('sec-ch-ua-mobile'),
    platformHint: headers.get('sec-ch-ua-platform'),
  });
  const devGeo = services.config.devCfHeader ? geoFromDevHeader(headers.get(DEV_CF_HEADER)) : null;
  const edgeRequest = { url: input.pageUrl, referrer: input.referrer, geo: devGeo ?? geoFromCf(request.cf), device };
  const ctx = buildEdgeContext(edgeRequest, state?.history ?? null, now, identity?.segments);
  const tags = evaluate(ruleset, ctx, now);
  const rulesetVersion = ruleset?.version ?? null;
  const outcome = (visitorId: string | null, setCookie: string | null): VisitOutcome => ({
    visitorId,
    tags,
    variants: visitorId && ruleset ? variantsOf(ruleset.splits, tags, identity?.profileId ?? visitorId) : {},
    rulesetVersion,
    setCookie,
  });

  if (refused) {
    const hadCookie = readCookie(headers.get('cookie'), VISITOR_COOKIE) !== null;
    return outcome(null, hadCookie ? clearCookie(VISITOR_COOKIE, input.sameSite, visitorCookieDomain(services, request)) : null);
  }
  const secret = services.config.cookieSecret;
  if (!secret) return outcome(null, null);
  if (!input.recordView) return outcome(state?.id ?? null, null);

  const path = ctx.attributes['page.path'];
  const host = ctx.attributes['page.host'];
  if (typeof path !== 'string' || typeof host !== 'string') return outcome(state?.id ?? null, null);
  const keepDays = ruleset ? ruleset.maxPageViewDays : DEFAULT_KEEP_DAYS;
  const history: VisitorHistory = appendPageView(state?.history ?? null, { at: now, path, host }, keepDays, STATE_LIMITS.maxViews);
  const next: VisitorState = { id: state?.id ?? crypto.randomUUID(), history };
  if (identity) next.identity = identity;
  const setCookie = await visitorSetCookie(services, request, next, secret, input.sameSite);

  // Bots are tagged and keep a cookie like anyone, but their views would only pollute profiles.
  if (device.type !== 'bot') {
    const url = ctx.attributes['page.url'];
    services.reporter.report(
      {
        id: crypto.randomUUID(),
        visitorId: next.id,
        ...(identity && reportableExternalId(identity.externalId) ? { profileExternalId: identity.externalId } : {}),
        // Kept with the page view (previews of edge rules replay recent visits); the place of an
        // identified visitor is also the person's last seen geography (geo.* of a profile without an address).
        geo: storableGeo(edgeRequest.geo),
        device: storableDevice(device),
        name: 'page_view',
        occurredAt: new Date(now).toISOString(),
        // Cleaned to what the API can store (edge/upstream/storable.ts); the tags came from the raw request.
        properties: storableProperties({ path, host, url: typeof url === 'string' ? url : input.pageUrl, referrer: input.referrer }),
        tags,
      },
      waitUntil,
    );
  }
  return outcome(next.id, setCookie);
}
