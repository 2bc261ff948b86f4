/**
 * Charts as SVG over REST, for people who would rather look: the size history of a segment and
 * the overlap heatmap of several. Bearer key with a read role, as the GraphQL reads.
 */
import { Hono, type Context } from 'hono';
import { requireRole, ROLES } from '../context.js';
import type { ApiEnv } from '../http/env.js';
import { sizeHistory } from '../segments/segments.queries.js';
import { overlapHeatmapSvg, sizeHistorySvg } from './charts.svg.js';
import { computeOverlap } from './overlap.service.js';
import { segmentInWorkspace, segmentsForOverlap } from './segments.lookup.js';

/** The most size points one chart draws (the latest ones). */
export const MAX_CHART_POINTS = 1000;

export const chartRoutes = new Hono<ApiEnv>();

function reader(c: Context<ApiEnv>) {
  return requireRole({ db: c.get('db'), jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.read);
}

function svgResponse(c: Context<ApiEnv>, svg: string): Response {
  c.header('content-type', 'image/svg+xml; charset=utf-8');
  c.header('cache-control', 'private, no-store');
  c.header('x-content-type-options', 'nosniff');
  // Opened directly, an SVG is a document: allow its inline styles and nothing else.
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  return c.body(svg);
}

chartRoutes.get('/segments/:id/charts/size-history.svg', async (c) => {
  const caller = reader(c);
  const segment = await segmentInWorkspace(c.get('db'), caller.workspaceId, c.req.param('id'));
  const points = await sizeHistory(c.get('db'), segment.id, MAX_CHART_POINTS);
  return svgResponse(c, sizeHistorySvg(segment.name, points, c.get('now')));
});

chartRoutes.get('/analytics/overlap.svg', async (c) => {
  const caller = reader(c);
  const ids = (c.req.query('segments') ?? '').split(',').filter((id) => id.trim() !== '');
  const segments = await segmentsForOverlap(c.get('db'), caller.workspaceId, ids);
  return svgResponse(c, overlapHeatmapSvg(await computeOverlap(c.get('db'), segments)));
});
