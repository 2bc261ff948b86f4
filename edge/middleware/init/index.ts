/**
 * Builds the deployment (one site, or each site of SITES) once per environment object (one per
 * isolate in production; tests pass their own) and hands the handlers the services of the request's
 * site, found by the host the request was sent to. With SITES, a host of no site is answered 421
 * `unknown_site` (no tags, no cookie), and every request 503 `sites_invalid` when SITES is refused.
 */
import type { MiddlewareHandler } from 'hono';
import type { Env } from '../../config.js';
import { errorResponse } from '../../http/errors.js';
import type { ServiceOptions } from '../../services.js';
import { createDeployment, siteFor, type Deployment } from '../../sites/deployment.js';
import type { AppEnv } from '../../types.js';

export function init(options: ServiceOptions = {}): MiddlewareHandler<AppEnv> {
  const built = new WeakMap<Env, Deployment>();
  const fallbackEnv: Env = {};
  return async (c, next) => {
    const env: Env = c.env ?? fallbackEnv;
    let deployment = built.get(env);
    if (!deployment) {
      deployment = createDeployment(env, options);
      built.set(env, deployment);
    }
    if (deployment.kind === 'invalid') {
      return errorResponse(503, 'sites_invalid', "This edge's SITES configuration is invalid, so it serves no site (the Worker's log names each problem)");
    }
    const host = new URL(c.req.url).hostname;
    const services = siteFor(deployment, host);
    if (!services) return errorResponse(421, 'unknown_site', `No site of this edge has the host ${host.slice(0, 253)}`);
    c.set('deployment', deployment);
    c.set('services', services);
    await next();
  };
}
