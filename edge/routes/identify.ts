/**
 * `POST /v1/identify` { token }: ties the visitor's cookie to a profile (see identify-token.ts for
 * the token) and loads that profile's published profile-scoped memberships and its profile id into
 * the cookie, so references to profile-scoped segments evaluate for this visitor at the edge and
 * its A/B split variants are those the API assigns the profile.
 * `DELETE /v1/identify` forgets the identity (log-out) and keeps the anonymous history.
 */
import { Hono } from 'hono';
import type { VisitorHistory } from '../../schema/context.js';
import { verifyIdentifyToken } from '../crypto/identify-token.js';
import { readJsonObject } from '../http/body.js';
import { errorResponse, methodNotAllowed } from '../http/errors.js';
import { cors } from '../middleware/cors/index.js';
import type { VisitorIdentity, VisitorState } from '../state/codec.js';
import { clearCookie, readCookie, VISITOR_COOKIE } from '../state/cookies.js';
import type { AppEnv } from '../types.js';
import { fetchMemberships, GONE } from '../upstream/memberships.js';
import { refusesTracking } from '../visit/consent.js';
import { readVisitorState, visitorCookieDomain, visitorSetCookie } from '../visit/run.js';

const MEMBERSHIP_TIMEOUT_MS = 1500;

export const identifyRoutes = new Hono<AppEnv>();

function answer(body: unknown, setCookie: string | null): Response {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  if (setCookie) headers.append('set-cookie', setCookie);
  return new Response(JSON.stringify(body), { status: 200, headers });
}

identifyRoutes.on(['POST', 'OPTIONS'], '/', cors(['POST', 'DELETE']), async (c) => {
  const { config, api } = c.var.services;
  const body = await readJsonObject(c.req.raw);
  if (!body.ok) return body.response;
  if (typeof body.value.token !== 'string' || body.value.token === '') {
    return errorResponse(400, 'invalid_body', "'token' is required: the identify token made by your backend");
  }
  if (!config.identifySecret || !config.cookieSecret) {
    const missing = config.site ? `Site ${config.site.label} has no secrets.identify in SITES` : 'This edge has no IDENTIFY_SECRET or COOKIE_SECRET';
    const why = Object.values(config.secretProblems).join('; ') || missing;
    return errorResponse(503, 'identify_not_configured', why);
  }
  const now = Date.now();
  const check = await verifyIdentifyToken(body.value.token, config.identifySecret, now);
  if (!check.ok) return errorResponse(401, 'invalid_token', `The identify token was refused: ${check.reason}`);
  if (refusesTracking(c.req.raw.headers)) {
    const hadCookie = readCookie(c.req.header('cookie') ?? null, VISITOR_COOKIE) !== null;
    return answer({ visitorId: null, identified: false, reason: 'consent' }, hadCookie ? clearCookie(VISITOR_COOKIE, 'None', visitorCookieDomain(c.var.services, c.req.raw)) : null);
  }

  let segments: string[] = [];
  let profileId: string | undefined;
  let fetchedAt = 0; // 0: fetch again on the next request
  if (api) {
    try {
      // A profile not there (yet) is identified all the same: the site's backend vouches for the
      // person and their first reports create it; still gone at the next refresh, it is dropped.
      const fetched = await fetchMemberships(api, check.externalId, MEMBERSHIP_TIMEOUT_MS);
      if (fetched !== GONE) ({ segments, profileId } = fetched);
      fetchedAt = now;
    } catch {
      // The visitor is identified all the same; memberships follow on a later request.
    }
  }
  const previous = await readVisitorState(c.var.services, c.req.raw.headers);
  const history: VisitorHistory = previous?.history ?? { firstSeen: now, lastSeen: now, pageViews: 0, views: [] };
  const identity: VisitorIdentity = { externalId: check.externalId, segments, fetchedAt, ...(profileId ? { profileId } : {}) };
  const state: VisitorState = { id: previous?.id ?? crypto.randomUUID(), history, identity };
  return answer({ visitorId: state.id, identified: true, segments }, await visitorSetCookie(c.var.services, c.req.raw, state, config.cookieSecret, 'None'));
});

identifyRoutes.delete('/', cors(['POST', 'DELETE']), async (c) => {
  const secret = c.var.services.config.cookieSecret;
  const previous = await readVisitorState(c.var.services, c.req.raw.headers);
  if (!previous || !secret) return answer({ visitorId: previous?.id ?? null, identified: false }, null);
  const state: VisitorState = { id: previous.id, history: previous.history };
  return answer({ visitorId: state.id, identified: false }, await visitorSetCookie(c.var.services, c.req.raw, state, secret, 'None'));
});

identifyRoutes.all('/', () => methodNotAllowed(['POST', 'DELETE', 'OPTIONS']));
