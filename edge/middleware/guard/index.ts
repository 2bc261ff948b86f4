/**
 * Header bombs: a request with absurdly many or large headers is refused with 431 before any
 * work. (Cloudflare's own limit is about 32 KB; this matters in wrangler dev and behind proxies.)
 */
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from '../../http/errors.js';
import type { AppEnv } from '../../types.js';

export const HEADER_LIMITS = { maxCount: 100, maxBytes: 32 * 1024 } as const;

export function guard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let count = 0;
    let bytes = 0;
    for (const [name, value] of c.req.raw.headers) {
      count += 1;
      bytes += name.length + value.length + 4;
    }
    if (count > HEADER_LIMITS.maxCount || bytes > HEADER_LIMITS.maxBytes) {
      return errorResponse(431, 'headers_too_large', 'The request headers are too many or too large');
    }
    await next();
  };
}
