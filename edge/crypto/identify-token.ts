/**
 * Identify tokens, made by the site's backend (or the API) with the shared `IDENTIFY_SECRET`:
 *   token = base64url(JSON { externalId: string, exp: seconds since epoch }) + "." +
 *           base64url(HMAC-SHA256(IDENTIFY_SECRET, <the base64url payload text>))
 * as a JWT signs its encoded parts. Short-lived: `exp` is required, must lie in the future and at
 * most 24 h (+ 60 s of clock skew) ahead: a leaked long-lived token would identify for ever.
 */
import { isStorableText } from '../upstream/storable.js';
import { base64UrlDecode, base64UrlEncode, hmacSha256, verifyHmac } from './hmac.js';

export const MAX_TOKEN_LENGTH = 2048;
const MAX_EXTERNAL_ID = 256;
/** The longest a token may live: its `exp` at most 24 h ahead (the API issues 60 s to 24 h). */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;
/** Leeway for the clocks of the token's issuer and the Worker. */
export const CLOCK_SKEW_MS = 60_000;

export type TokenCheck = { ok: true; externalId: string; exp: number } | { ok: false; reason: string };

export async function verifyIdentifyToken(token: string, secret: string, nowMs: number): Promise<TokenCheck> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature) return { ok: false, reason: 'token is not <payload>.<signature>' };
  if (!(await verifyHmac(secret, payload, signature))) return { ok: false, reason: 'token signature is invalid' };
  const bytes = base64UrlDecode(payload);
  let claims: unknown;
  try {
    claims = bytes ? JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)) : null;
  } catch {
    claims = null;
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'token payload is not a JSON object' };
  const { externalId, exp } = claims as { externalId?: unknown; exp?: unknown };
  if (typeof externalId !== 'string' || externalId.length === 0 || externalId.length > MAX_EXTERNAL_ID) {
    return { ok: false, reason: 'token externalId must be a string of 1 to 256 characters' };
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, reason: 'token exp must be a number (seconds)' };
  if (!isStorableText(externalId)) return { ok: false, reason: 'token externalId must not contain U+0000 or lone surrogates' };
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'token has expired' };
  if (exp * 1000 > nowMs + MAX_TOKEN_LIFETIME_MS + CLOCK_SKEW_MS) return { ok: false, reason: 'token expires more than 24 h ahead' };
  return { ok: true, externalId, exp };
}

/** Makes a token (the site backend's side; used by tests and local tooling). */
export async function signIdentifyToken(claims: { externalId: string; exp: number }, secret: string): Promise<string> {
  const payload = base64UrlEncode(new TextEncoder().encode(JSON.stringify(claims)));
  return `${payload}.${base64UrlEncode(await hmacSha256(secret, payload))}`;
}
