/**
 * Proxy mode (when `ORIGIN_URL` is set): every request the Worker does not answer itself goes to
 * the origin with `x-audience-tags`, `x-audience-variants` and `x-visitor-id`, and the response carries the updated
 * cookie. Only page navigations (GET of a document) count as page views; assets are tagged from
 * the current state without changing it. Without an origin, unknown paths are 404.
 */
import { Hono } from 'hono';
import { errorResponse } from '../http/errors.js';
import { waitUntilOf } from '../http/wait-until.js';
import type { AppEnv } from '../types.js';
import { runVisit } from '../visit/run.js';

export const TAGS_HEADER = 'x-audience-tags';
export const VISITOR_HEADER = 'x-visitor-id';
export const VARIANTS_HEADER = 'x-audience-variants';

/**
 * The variants as a header value: `<segment>:<split>=<variant>` pairs joined by `,`, the split and
 * variant names percent-encoded (encodeURIComponent; slugs need none), so `,` `=` `:` and non-ASCII
 * names stay unambiguous.
 * @example variantsHeader({ 'vn-mobile:hero': 'new' }); // 'vn-mobile:hero=new'
 */
export function variantsHeader(variants: Record<string, string>): string {
  return Object.entries(variants)
    .map(([key, variant]) => {
      const at = key.indexOf(':');
      return `${key.slice(0, at)}:${encodeURIComponent(key.slice(at + 1))}=${encodeURIComponent(variant)}`;
    })
    .join(',');
}

export const proxyRoutes = new Hono<AppEnv>();

function isPageView(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const dest = request.headers.get('sec-fetch-dest');
  if (dest !== null) return dest === 'document';
  return (request.headers.get('accept') ?? '').includes('text/html');
}

proxyRoutes.all('*', async (c) => {
  const services = c.var.services;
  const origin = services.config.originUrl;
  if (!origin) return errorResponse(404, 'not_found', `Nothing at ${new URL(c.req.url).pathname.slice(0, 200)}`);
  const request = c.req.raw;
  const outcome = await runVisit(
    services,
    { request, pageUrl: request.url, referrer: request.headers.get('referer') ?? undefined, recordView: isPageView(request), sameSite: 'Lax' },
    waitUntilOf(c),
  );
  const incoming = new URL(request.url);
  const target = new URL(incoming.pathname + incoming.search, origin);
  const headers = new Headers(request.headers);
  // Whatever the client sent under these names is not ours: never forward a forged tag.
  headers.set(TAGS_HEADER, outcome.tags.join(','));
  headers.set(VARIANTS_HEADER, variantsHeader(outcome.variants));
  if (outcome.visitorId) headers.set(VISITOR_HEADER, outcome.visitorId);
  else headers.delete(VISITOR_HEADER);
  headers.delete('host');
  headers.set('x-forwarded-host', incoming.host);
  headers.set('x-forwarded-proto', incoming.protocol.replace(':', ''));
  let upstream: Response;
  try {
    upstream = await services.fetch(target, {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
      redirect: 'manual',
    });
  } catch {
    return errorResponse(502, 'origin_unreachable', 'The origin server could not be reached');
  }
  const response = new Response(upstream.body, upstream);
  if (outcome.setCookie) response.headers.append('set-cookie', outcome.setCookie);
  return response;
});
