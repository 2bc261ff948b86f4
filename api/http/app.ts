/**
 * The API's HTTP surface (Hono): GET /healthz, POST|GET /graphql (GET in a browser: the IDE),
 * the edge REST endpoints under /v1, a body size limit, bearer-key authentication and JSON errors
 * from the one error mapping (toHttpError).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Database } from '../db/index.js';
import { toHttpError } from '../errors.js';
import { authenticate } from '../auth/auth.service.js';
import { createApolloServer } from '../graphql/server.js';
import { apolloHandler } from './apollo.js';
import type { ApiEnv } from './env.js';
import { ideHtml, serveIdeAsset, wantsIde } from './ide.js';
import { exportRoutes } from './exports.js';
import { restRoutes } from './rest.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiAppOptions {
  db: Database;
  /** The clock (tests pin it); one instant per request. */
  now?: () => Date;
}

export function createApiApp(options: ApiAppOptions): Hono<ApiEnv> {
  const apollo = createApolloServer();
  apollo.startInBackgroundHandlingStartupErrorsByLoggingAndFailingAllRequests();
  const graphql = apolloHandler(apollo);
  const app = new Hono<ApiEnv>();

  app.onError((error, c) => {
    const { status, body } = toHttpError(error);
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/graphql/static/*', (c) => serveIdeAsset(c));

  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
      onError: (c) =>
        c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than ${MAX_BODY_BYTES} bytes` } }, 413, { connection: 'close' }),
    }),
  );
  app.use('*', async (c, next) => {
    const now = options.now?.() ?? new Date();
    c.set('db', options.db);
    c.set('now', now);
    c.set('caller', await authenticate(options.db, c.req.header('authorization'), now));
    await next();
  });

  app.get('/graphql', (c) => (wantsIde(c) ? c.html(ideHtml()) : graphql(c)));
  app.post('/graphql', graphql);
  app.route('/v1', restRoutes);
  app.route('/v1', exportRoutes);
  return app;
}
