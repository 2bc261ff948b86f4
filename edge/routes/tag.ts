/**
 * `POST /v1/tag` { url, referrer? } -> { visitorId, tags, ruleset, variants } with the updated
 * cookie; `variants` maps `<segment>:<split>` to the visitor's variant of each split of a tagged
 * segment (`{}` when none).
 */
import { Hono } from 'hono';
import { readJsonObject } from '../http/body.js';
import { errorResponse, methodNotAllowed } from '../http/errors.js';
import { parsePageInput } from '../http/page-url.js';
import { waitUntilOf } from '../http/wait-until.js';
import { cors } from '../middleware/cors/index.js';
import { siteFor } from '../sites/deployment.js';
import type { AppEnv } from '../types.js';
import { runVisit } from '../visit/run.js';

export const tagRoutes = new Hono<AppEnv>();

tagRoutes.on(['POST', 'OPTIONS'], '/', cors(['POST']), async (c) => {
  const body = await readJsonObject(c.req.raw);
  if (!body.ok) return body.response;
  const page = parsePageInput(body.value);
  if (!page.ok) return errorResponse(400, 'invalid_url', page.message);
  // With SITES the edge serves the site of the host it was called on; the page must be one of that
  // site's (any page is, with one site), else no tags and no cookie.
  const pageHost = new URL(page.url).hostname;
  if (siteFor(c.var.deployment, pageHost) !== c.var.services) {
    return errorResponse(403, 'site_mismatch', `The page's host ${pageHost.slice(0, 253)} is not a host of the site this edge serves at ${new URL(c.req.url).hostname.slice(0, 253)}`);
  }
  const outcome = await runVisit(
    c.var.services,
    { request: c.req.raw, pageUrl: page.url, referrer: page.referrer, recordView: true, sameSite: 'None' },
    waitUntilOf(c),
  );
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  if (outcome.setCookie) headers.append('set-cookie', outcome.setCookie);
  const answer = { visitorId: outcome.visitorId, tags: outcome.tags, ruleset: outcome.rulesetVersion, variants: outcome.variants };
  return new Response(JSON.stringify(answer), { status: 200, headers });
});

tagRoutes.all('/', () => methodNotAllowed(['POST', 'OPTIONS']));
