/**
 * Identify tokens issued by the API: what the edge's `POST /v1/identify` accepts to tie a visitor
 * to a profile. Byte for byte the format of edge/crypto/identify-token.ts:
 *   base64url(JSON { externalId, exp }) + "." + base64url(HMAC-SHA256(IDENTIFY_SECRET, <that base64url text>))
 * with `exp` in seconds since the epoch, signed with the API's env var IDENTIFY_SECRET (the same
 * secret as the Worker's). Only for a profile of the caller's workspace.
 */
import { createHmac } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { profiles } from '../../drizzle/index.js';
import { isPlaceholderSecret } from '../../edge/config.js';

/** `max` must stay at most 24 h: the Worker refuses tokens expiring later (edge/crypto/identify-token.ts). */
export const IDENTIFY_TTL = { min: 60, max: 86_400, default: 3_600 } as const;
/** The Worker ignores shorter secrets (edge/config.ts), so the API refuses to sign with them. */
export const MIN_SECRET_LENGTH = 16;
/** The longest externalId the Worker accepts in a token. */
export const MAX_TOKEN_EXTERNAL_ID = 256;

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs `{ externalId, exp }` exactly as the Worker's signIdentifyToken does.
 * @example signIdentifyToken({ externalId: 'c-1', exp: 1767225600 }, 'a-secret-of-16-chars').split('.').length; // 2
 */
export function signIdentifyToken(claims: { externalId: string; exp: number }, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ externalId: claims.externalId, exp: claims.exp }), 'utf8').toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload, 'utf8').digest('base64url')}`;
}

const problem = (path: string, message: string) => new BadInputError(`${path}: ${message}`, { problems: [{ path, message }] });

/**
 * A token for the profile `externalId` of the workspace, valid `ttlSeconds` (60 to 86,400) from
 * `now`. BAD_USER_INPUT for a bad ttl or externalId, NOT_FOUND for an unknown profile, and
 * BAD_USER_INPUT (extensions.setting = 'IDENTIFY_SECRET') when the API has no usable secret: none,
 * too short, or in production the placeholder committed in wrangler.toml (anyone who reads the
 * repository could mint tokens with it; the Worker refuses it outside development too).
 */
export async function issueIdentifyToken(
  db: Database,
  workspaceId: string,
  input: { externalId: string; ttlSeconds: number },
  now: Date,
  secret: string | undefined,
  production = false,
): Promise<IssuedToken> {
  const { externalId, ttlSeconds } = input;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < IDENTIFY_TTL.min || ttlSeconds > IDENTIFY_TTL.max) {
    throw problem('ttlSeconds', `must be a whole number of seconds from ${IDENTIFY_TTL.min} to ${IDENTIFY_TTL.max}, not ${ttlSeconds}`);
  }
  if (externalId.length === 0 || externalId.length > MAX_TOKEN_EXTERNAL_ID) {
    throw problem('externalId', `must be 1 to ${MAX_TOKEN_EXTERNAL_ID} characters`);
  }
  const [profile] = await db
    .select({ id: profiles.id })
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), eq(profiles.externalId, externalId)));
  if (!profile) throw new NotFoundError(`No profile with externalId '${externalId.slice(0, 100)}'`);
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new BadInputError(
      `Identify tokens are not configured: set IDENTIFY_SECRET (at least ${MIN_SECRET_LENGTH} characters, the same value as the edge Worker's) in the API's environment`,
      { setting: 'IDENTIFY_SECRET' },
    );
  }
  if (production && isPlaceholderSecret(secret)) {
    throw new BadInputError(
      'IDENTIFY_SECRET is the placeholder committed in wrangler.toml and is refused in production: set a real secret (the same as the edge Worker\'s `npx wrangler secret put IDENTIFY_SECRET`)',
      { setting: 'IDENTIFY_SECRET' },
    );
  }
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  return { token: signIdentifyToken({ externalId, exp }, secret), expiresAt: new Date(exp * 1000) };
}
