/**
 * CORS with credentials, for the configured site origins only (`ALLOWED_ORIGINS`). Requests
 * without an Origin (servers, curl) and same-origin requests (proxy mode) need no CORS; a browser
 * request from any other origin is refused with 403 before it touches visitor state.
 */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../../http/errors.js';
import type { AppEnv } from '../../types.js';

export function cors(methods: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowMethods = [...methods, 'OPTIONS'].join(', ');
  return async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && c.var.services.config.allowedOrigins.has(origin);
    const sameOrigin = origin !== undefined && origin === new URL(c.req.url).origin;
    if (origin !== undefined && !allowed && !sameOrigin) {
      return errorResponse(403, 'origin_not_allowed', `Origin ${origin.slice(0, 200)} is not allowed to call this endpoint`, { vary: 'Origin' });
    }
    if (c.req.method === 'OPTIONS') {
      const headers = new Headers({ vary: 'Origin', 'access-control-allow-methods': allowMethods, 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      if (allowed) {
        headers.set('access-control-allow-origin', origin);
        headers.set('access-control-allow-credentials', 'true');
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    c.res.headers.append('vary', 'Origin');
    if (allowed) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.set('access-control-allow-credentials', 'true');
    }
  };
}
