/**
 * The instance admin token: one secret per API deployment, from the environment (ADMIN_TOKEN),
 * that manages workspaces (create, list, rename, delete). It is not an API key: it belongs to no
 * workspace, reads no workspace's data, and is never looked up in the api_keys table or its cache.
 *
 * It is told apart from workspace keys by its shape: a workspace key is `ae_` + 43 base64url
 * characters (api/auth/keys.ts), and a value of that shape is refused as ADMIN_TOKEN, so one
 * bearer can never be both. It is compared in constant time (SHA-256 of both sides, then
 * timingSafeEqual: equal lengths whatever the guess). As IDENTIFY_SECRET, a placeholder
 * (`change-me` ...) is refused in production; so is a token shorter than 32 characters anywhere.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPlaceholderSecret } from '../../edge/config.js';
import { secretFromHeader } from '../auth/keys.js';

export const MIN_ADMIN_TOKEN_LENGTH = 32;
/** The prefix of the tokens `npm start` generates (any other value of 32+ characters works too). */
export const ADMIN_TOKEN_PREFIX = 'aeadm_';

export interface InstanceAdminConfig {
  /** SHA-256 of the configured token, or null when none is set. */
  digest: Buffer | null;
  /** Why the configured token is refused (it is then never granted), or null when usable. */
  problem: string | null;
}

/** What a request's Authorization header is, as far as the instance token goes. */
export type InstanceCheck = { kind: 'admin' } | { kind: 'refused'; problem: string } | { kind: 'other' };

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** A fresh random token, e.g. for `npm start`. */
export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Reads the configured token. Never throws: a refused token is kept with its reason, so that a
 * request presenting it is told why (BAD_USER_INPUT, `extensions.setting: "ADMIN_TOKEN"`).
 * @example instanceAdminConfig(undefined, false).digest; // null: instance administration is off
 */
export function instanceAdminConfig(raw: string | undefined, production: boolean): InstanceAdminConfig {
  if (raw === undefined || raw === '') return { digest: null, problem: null };
  const digest = sha256(raw);
  if (raw.length < MIN_ADMIN_TOKEN_LENGTH) {
    return { digest, problem: `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters and is refused: set a long random value (e.g. \`openssl rand -base64 32\`)` };
  }
  if (/\s/.test(raw)) {
    return { digest, problem: 'ADMIN_TOKEN contains whitespace, which an Authorization header cannot carry in a bearer token: choose a value without spaces' };
  }
  if (secretFromHeader(`Bearer ${raw}`) !== null) {
    return { digest, problem: 'ADMIN_TOKEN has the shape of a workspace API key (`ae_` + 43 characters) and is refused: choose a value that cannot be mistaken for one' };
  }
  if (production && isPlaceholderSecret(raw)) {
    return { digest, problem: 'ADMIN_TOKEN is a placeholder (it says "change me") and is refused in production: set a long random value' };
  }
  return { digest, problem: null };
}

/** The bearer of an Authorization header, whatever its shape (the instance token has no fixed one). */
function bearerOf(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Is this header the instance token? A workspace-key-shaped bearer is never compared (it is a
 * workspace key, valid or not); any other bearer is compared in constant time.
 */
export function checkInstanceToken(config: InstanceAdminConfig, header: string | null | undefined): InstanceCheck {
  if (!config.digest) return { kind: 'other' };
  const bearer = bearerOf(header);
  if (bearer === null || secretFromHeader(header) !== null) return { kind: 'other' };
  if (!timingSafeEqual(sha256(bearer), config.digest)) return { kind: 'other' };
  return config.problem ? { kind: 'refused', problem: config.problem } : { kind: 'admin' };
}
