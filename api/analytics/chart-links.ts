/**
 * Chart links a browser can open: a browser cannot send the `Authorization` header the chart routes
 * want, so `chartLink` (GraphQL) signs the chart's path for the caller's key with an expiry, and the
 * chart route accepts that signature instead of a header. The signature covers the path (with the
 * overlap's segment list), the workspace, the key and the expiry (HMAC-SHA256 under a random key kept
 * in the database's `settings`, the same in every API process); the key must still be a live key with
 * a read role when the link is opened, so revoking it kills its links.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { ApiRole } from '../../drizzle/index.js';
import { apiKeys, settings } from '../../drizzle/index.js';
import { ROLES, type Caller } from '../context.js';
import { UnauthenticatedError } from '../errors.js';

export const CHART_LINK_KEY_SETTING = 'chart_link_key';
/** How long a chart link opens (a link is meant for a person looking now, not for embedding). */
export const CHART_LINK_TTL_MS = 15 * 60_000;

const keys = new WeakMap<Database, Promise<string>>();

async function linkKey(db: Database): Promise<string> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.insert(settings).values({ name: CHART_LINK_KEY_SETTING, value: randomBytes(32).toString('hex') }).onConflictDoNothing();
      const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.name, CHART_LINK_KEY_SETTING));
      return row!.value;
    })();
    keys.set(db, key);
    key.catch(() => keys.delete(db));
  }
  return key;
}

function signature(key: string, path: string, caller: { workspaceId: string; keyId: string }, expires: number): Buffer {
  return createHmac('sha256', key).update(`${path}\n${caller.workspaceId}\n${caller.keyId}\n${expires}`).digest();
}

/** The chart's path as signed: the route's path, and for the overlap its segment list. */
export function chartPath(chart: 'sizeHistory' | 'overlap', segmentIds: readonly string[]): string {
  return chart === 'sizeHistory'
    ? `/v1/segments/${encodeURIComponent(segmentIds[0] ?? '')}/charts/size-history.svg`
    : `/v1/analytics/overlap.svg?segments=${segmentIds.map(encodeURIComponent).join(',')}`;
}

/** A signed link to `path` for `caller`, valid until `now + CHART_LINK_TTL_MS`. */
export async function signChartLink(db: Database, path: string, caller: Caller, now: Date): Promise<{ path: string; expiresAt: Date }> {
  const expires = Math.floor((now.getTime() + CHART_LINK_TTL_MS) / 1000);
  const sig = signature(await linkKey(db), path, caller, expires).toString('base64url');
  const query = new URLSearchParams({ workspace: caller.workspaceId, key: caller.keyId, expires: String(expires), signature: sig });
  return { path: `${path}${path.includes('?') ? '&' : '?'}${query}`, expiresAt: new Date(expires * 1000) };
}

/** The chart routes (charts.routes.ts), mounted under /v1. */
export function isChartPath(path: string): boolean {
  return path === '/v1/analytics/overlap.svg' || /^\/v1\/segments\/[^/]+\/charts\/size-history\.svg$/.test(path);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller a signed link stands for, or an UNAUTHENTICATED error saying what is wrong with it.
 * `url` is the request's URL: its path and `segments` parameter are what was signed.
 */
export async function verifyChartLink(db: Database, url: URL, now: Date): Promise<Caller> {
  const q = url.searchParams;
  const [workspaceId, keyId, expiresText, given] = [q.get('workspace') ?? '', q.get('key') ?? '', q.get('expires') ?? '', q.get('signature') ?? ''];
  if (!UUID.test(workspaceId) || !UUID.test(keyId) || !/^\d{1,12}$/.test(expiresText) || given === '') {
    throw new UnauthenticatedError('This chart link is incomplete: ask for a new one with the chartLink query, or send an API key');
  }
  const expires = Number(expiresText);
  if (expires * 1000 < now.getTime()) throw new UnauthenticatedError('This chart link has expired (links last 15 minutes): ask for a new one with the chartLink query');
  const segments = q.get('segments');
  const path = segments === null ? url.pathname : `${url.pathname}?segments=${segments.split(',').map(encodeURIComponent).join(',')}`;
  const expected = signature(await linkKey(db), path, { workspaceId, keyId }, expires);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new UnauthenticatedError('This chart link is not valid: its signature does not match');
  const [key] = await db
    .select({ role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)));
  if (!key || !(ROLES.read as readonly ApiRole[]).includes(key.role)) throw new UnauthenticatedError('The key that made this chart link was revoked or may no longer read charts');
  return { keyId, workspaceId, role: key.role };
}
