/**
 * The API's HTTP surface (Hono): GET /healthz, POST|GET /graphql (GET in a browser: the IDE, not in
 * production), the edge REST endpoints under /v1, a request id on every response, a body size
 * limit (not on bulk imports, which stream through their own bounds), bearer-key authentication, per-key limits and JSON errors from the one error mapping (toHttpError).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Database } from '../db/index.js';
import type { JobQueue } from '../jobs/jobs.js';
import { RateLimitedError, toHttpError } from '../errors.js';
import { isProduction } from '../environment.js';
import { CHART_COSTS } from '../graphql/costs.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS, noteWorkspaceWrite } from '../graphql/request-transaction.js';
import { newRequestId, runWithRequestId } from '../log.js';
import { DEFAULT_KEY_LIMITS, KeyLimiter, type KeyLimits } from './key-limiter.js';
import { authenticate } from '../auth/auth.service.js';
import { isChartPath, verifyChartLink } from '../analytics/chart-links.js';
import { createApolloServer } from '../graphql/server.js';
import { apolloHandler } from './apollo.js';
import type { ApiEnv } from './env.js';
import { ideHtml, serveIdeAsset, wantsIde } from './ide.js';
import { exportRoutes } from './exports.js';
import { restRoutes } from './rest.js';
import { enterForeground } from '../jobs/foreground.js';
import { importRoutes } from './imports.js';
import { LIST_FILE_LIMITS, staticListRoutes } from '../segments/static-lists.routes.js';
import { checkInstanceToken, instanceAdminConfig, type InstanceAdminConfig } from '../admin/instance-token.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Refuses bodies over `maxSize` bytes with 413. A body with a Content-Length (and no
 * Transfer-Encoding) is judged on that header alone: the HTTP parser delivers exactly that many
 * bytes, and the body stays unread for the handler's own fast read (@hono/node-server reads it
 * straight from the socket unless something touched `request.body`, which builds a web stream).
 * Other bodies (chunked) go through Hono's bodyLimit, which counts the bytes as they arrive.
 */
function limitBody(maxSize: number): MiddlewareHandler<ApiEnv> {
  // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
  const tooLarge: Parameters<typeof bodyLimit>[0]['onError'] = (c) =>
    c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than ${maxSize} bytes` } }, 413, { connection: 'close' });
  const counting = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next(); // no body (a Request cannot carry one)
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return parseInt(length, 10) > maxSize ? tooLarge(c) : next();
    }
    return counting(c, next);
  };
}

export interface ApiAppOptions {
  db: Database;
  /** Where requests add background jobs (api/jobs: startJobRunner). */
  jobs: JobQueue;
  /** The clock (tests pin it); one instant per request. */
  now?: () => Date;
  /** Production mode (default: from AE_ENV / NODE_ENV, see api/environment.ts). */
  production?: boolean;
  /** Per-key limits of this process (default DEFAULT_KEY_LIMITS; main.ts reads the environment). */
  limits?: KeyLimits;
  /** Statement timeout of GraphQL query operations in ms (default 15 s; 0: none). */
  statementTimeoutMs?: number;
  /**
   * The instance admin token (ADMIN_TOKEN; main.ts reads the environment): workspace
   * administration. Unset: those operations are off.
   */
  adminToken?: string;
}

/** Per-key limits on a route: a concurrent slot for the request, and `cost` units charged when given. */
function limitKey(limiter: KeyLimiter, cost = 0): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const caller = c.get('caller');
    if (!caller) return next();
    const leave = limiter.enter(caller.keyId);
    try {
      limiter.charge(caller.keyId, cost);
      await next();
    } finally {
      leave();
    }
  };
}

export function createApiApp(options: ApiAppOptions): Hono<ApiEnv> {
  const production = options.production ?? isProduction();
  const limiter = new KeyLimiter(options.limits ?? DEFAULT_KEY_LIMITS);
  const instanceAdmin: InstanceAdminConfig = instanceAdminConfig(options.adminToken, production);
  const apollo = createApolloServer({ production, limiter, statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS });
  apollo.startInBackgroundHandlingStartupErrorsByLoggingAndFailingAllRequests();
  const graphql = apolloHandler(apollo);
  const app = new Hono<ApiEnv>();

  app.onError((error, c) => {
    const { status, body } = toHttpError(error);
    if (error instanceof RateLimitedError) c.header('retry-after', String(error.retryAfter));
    // Before Apollo (authentication: e.g. the database is unreachable), a GraphQL client still gets `errors`.
    if (c.req.path === '/graphql') {
      const { code, message, ...details } = body.error;
      return c.json({ errors: [{ message, extensions: { ...details, code } }] }, status);
    }
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));

  // Every response carries its request id; logs of the request name it (api/log.ts).
  app.use('*', async (c, next) => {
    // Counted while in flight: a long background job on PGlite lets these through first (api/jobs/foreground.ts).
    const leave = enterForeground();
    const requestId = newRequestId();
    try {
      await runWithRequestId(requestId, next);
    } finally {
      leave();
    }
    c.header('x-request-id', requestId);
  });
  app.get('/healthz', (c) => c.json({ ok: true }));
  if (!production) app.get('/graphql/static/*', (c) => serveIdeAsset(c));

  // Imports stream bodies of any size through their own bounds (api/imports/imports.service.ts IMPORT_LIMITS).
  // A static list's CSV file has its own, larger bound (LIST_FILE_LIMITS).
  const limited = limitBody(MAX_BODY_BYTES);
  const listFile = limitBody(LIST_FILE_LIMITS.bytes);
  app.use('*', (c, next) => {
    if (c.req.method !== 'POST') return limited(c, next);
    if (c.req.path.startsWith('/v1/imports/')) return next();
    return /^\/v1\/segments\/[^/]+\/members$/.test(c.req.path) ? listFile(c, next) : limited(c, next);
  });
  app.use('*', async (c, next) => {
    const now = options.now?.() ?? new Date();
    c.set('db', options.db);
    c.set('jobs', options.jobs);
    c.set('now', now);
    // The instance token first: it is never looked up as an API key (nor cached, nor rate-limited as one).
    const instance = checkInstanceToken(instanceAdmin, c.req.header('authorization'));
    c.set('instance', instance);
    let caller = instance.kind === 'other' ? await authenticate(options.db, c.req.header('authorization'), now) : null;
    // A chart link (chartLink) stands for the key that signed it, limits included.
    if (!caller && instance.kind === 'other' && c.req.method === 'GET' && isChartPath(c.req.path) && c.req.query('signature') !== undefined) caller = await verifyChartLink(options.db, new URL(c.req.url), now);
    c.set('caller', caller);
    await next();
    // A REST write (events, profiles, imports, erasure) has committed: read-your-writes for its
    // workspace on a read replica (GraphQL notes its mutations itself).
    if (caller && c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.path !== '/graphql') noteWorkspaceWrite(options.db, caller.workspaceId);
  });

  app.use('/graphql', limitKey(limiter));
  app.use('/v1/segments/:id/charts/*', limitKey(limiter, CHART_COSTS.sizeHistory));
  app.use('/v1/analytics/overlap.svg', limitKey(limiter, CHART_COSTS.overlap));
  app.use('/v1/imports/*', limitKey(limiter));
  app.get('/graphql', (c) => (!production && wantsIde(c) ? c.html(ideHtml()) : graphql(c)));
  app.post('/graphql', graphql);
  app.route('/v1', restRoutes);
  app.route('/v1', exportRoutes);
  app.route('/v1', importRoutes);
  app.route('/v1', staticListRoutes);
  return app;
}
