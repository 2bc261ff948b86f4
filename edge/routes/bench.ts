/**
 * `POST /__bench/constant`: the benchmark's baseline. When BENCH_CONSTANT=true it answers a
 * constant tag response after the same middleware as `/v1/tag` (header guard, services) but
 * before any cookie, context or ruleset work; otherwise the path is like any other (proxy or 404).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../types.js';

const CONSTANT = JSON.stringify({ visitorId: null, tags: [], ruleset: null });

export const benchRoutes = new Hono<AppEnv>();

benchRoutes.post('/', async (c, next) => {
  if (!c.var.services.config.benchConstant) return next();
  await c.req.raw.body?.cancel();
  return new Response(CONSTANT, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
});
