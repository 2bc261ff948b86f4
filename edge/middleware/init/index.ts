/**
 * Builds the services once per environment object (one per isolate in production; tests pass
 * their own) and hands them to the handlers.
 */
import type { MiddlewareHandler } from 'hono';
import type { Env } from '../../config.js';
import { createServices, type ServiceOptions, type Services } from '../../services.js';
import type { AppEnv } from '../../types.js';

export function init(options: ServiceOptions = {}): MiddlewareHandler<AppEnv> {
  const built = new WeakMap<Env, Services>();
  const fallbackEnv: Env = {};
  return async (c, next) => {
    const env: Env = c.env ?? fallbackEnv;
    let services = built.get(env);
    if (!services) {
      services = createServices(env, options);
      built.set(env, services);
    }
    c.set('services', services);
    await next();
  };
}
