import type { Env } from './config.js';
import type { Services } from './services.js';

/** The Hono environment of the Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: { services: Services };
}
