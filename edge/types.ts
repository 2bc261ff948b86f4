import type { Env } from './config.js';
import type { Services } from './services.js';
import type { Deployment } from './sites/deployment.js';

/** The Hono environment of the Worker. */
export interface AppEnv {
  Bindings: Env;
  /** `services`: those of the request's site; `deployment`: all sites (to check a page's host). */
  Variables: { services: Services; deployment: Deployment };
}
