/**
 * The REST endpoints the edge Worker calls (edge role): page view reports, the memberships (and
 * profile id) of an identified visitor, and the published ruleset with ETag revalidation; and the
 * SVG charts of api/analytics for readers.
 */
import { and, asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { requireRole, ROLES } from '../context.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { checkInput } from '../input-policy.js';
import { profiles, segmentMembers, segments } from '../../drizzle/index.js';
import { recordEdgeEvents } from '../events/edge-events.service.js';
import { currentRuleset } from '../segments/ruleset.service.js';
import type { ApiEnv } from './env.js';
import { chartRoutes } from '../analytics/charts.routes.js';

export const restRoutes = new Hono<ApiEnv>();
restRoutes.route('/', chartRoutes);

function callerOf(c: { get<K extends keyof ApiEnv['Variables']>(key: K): ApiEnv['Variables'][K] }) {
  return requireRole({ db: c.get('db'), jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.edge);
}

restRoutes.post('/edge/events', async (c) => {
  const caller = callerOf(c);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new BadInputError('The request body is not valid JSON', { field: 'body' });
  }
  const result = await recordEdgeEvents(c.get('db'), caller.workspaceId, body, c.get('now'));
  // 202: every item stored (or a duplicate); 207: some items were rejected, named in `rejected`.
  return c.json(result, result.rejected.length > 0 ? 207 : 202);
});

restRoutes.get('/profiles/:externalId/memberships', async (c) => {
  const caller = callerOf(c);
  const db = c.get('db');
  const externalId = c.req.param('externalId');
  checkInput(externalId, 'externalId');
  const [profile] = await db
    .select({ id: profiles.id })
    .from(profiles)
    .where(and(eq(profiles.workspaceId, caller.workspaceId), eq(profiles.externalId, externalId)));
  // reason PROFILE_GONE (never created, or erased): the Worker drops the identity from the visitor's
  // cookie and stops reporting the external id (edge/upstream/memberships.ts).
  if (!profile) throw new NotFoundError('No profile with this externalId (never created, or erased)', { reason: 'PROFILE_GONE' });
  const rows = await db
    .select({ slug: segments.slug })
    .from(segmentMembers)
    .innerJoin(segments, eq(segments.id, segmentMembers.segmentId))
    .where(and(eq(segmentMembers.profileId, profile.id), eq(segments.status, 'published'), eq(segments.scope, 'profile')))
    .orderBy(asc(segments.slug));
  c.header('cache-control', 'private, no-store');
  // profileId: the subject of the profile's A/B split variants (splitAssignment), which the Worker
  // uses for identified visitors so that edge variants equal the API's.
  return c.json({ profileId: profile.id, segments: rows.map((r) => r.slug) });
});

/** True when an If-None-Match header names this ETag (weak or strong, or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

restRoutes.get('/rulesets/current', async (c) => {
  const caller = callerOf(c);
  const ruleset = await currentRuleset(c.get('db'), caller.workspaceId);
  c.header('etag', ruleset.etag);
  c.header('cache-control', 'private, no-cache');
  if (matchesEtag(c.req.header('if-none-match'), ruleset.etag)) return c.body(null, 304);
  return c.json(ruleset.body);
});
