/**
 * The edge tagger Worker: wiring only. Routes own their paths; everything else is proxy mode
 * (or 404 without an origin).
 */
import { Hono } from 'hono';
import { errorResponse } from './http/errors.js';
import { guard } from './middleware/guard/index.js';
import { init } from './middleware/init/index.js';
import type { ServiceOptions } from './services.js';
import { benchRoutes } from './routes/bench.js';
import { identifyRoutes } from './routes/identify.js';
import { proxyRoutes } from './routes/proxy.js';
import { tagScriptRoutes } from './routes/tag-script.js';
import { tagRoutes } from './routes/tag.js';
import type { AppEnv } from './types.js';

export type { Env } from './config.js';

export function createApp(options: ServiceOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', guard(), init(options));
  app.route('/v1/tag.js', tagScriptRoutes);
  app.route('/v1/tag', tagRoutes);
  app.route('/v1/identify', identifyRoutes);
  app.route('/__bench/constant', benchRoutes);
  app.route('/', proxyRoutes);
  app.onError((error) => {
    console.error('edge: unexpected error', error instanceof Error ? error.message : error);
    return errorResponse(500, 'internal_error', 'Something went wrong at the edge');
  });
  return app;
}

export default createApp();
