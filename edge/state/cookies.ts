/**
 * The `ae_vid` cookie: `<payload>.<base64url HMAC-SHA256>` (see codec.ts for the payload), and the
 * few cookie header helpers the Worker needs. The MAC covers a context string as well as the
 * payload, so a value signed for another purpose with the same secret never verifies here.
 */
import { base64UrlEncode, hmacSha256, verifyHmac } from '../crypto/hmac.js';
import { decodeVisitorState, encodeVisitorState, type VisitorState } from './codec.js';

export const VISITOR_COOKIE = 'ae_vid';
export const CONSENT_COOKIE = 'ae_consent';
/** `ae_consent` values that refuse tracking. */
export const CONSENT_DENIED_VALUES: readonly string[] = ['denied'];

/**
 * The cap of the cookie value: with the name and attributes the Set-Cookie line stays under
 * 3.2 KB, well below browsers' 4 KB per cookie.
 */
export const MAX_COOKIE_VALUE = 3000;
/** Past this size the Cookie header is not parsed at all (a cookie bomb reads as no cookies). */
export const MAX_COOKIE_HEADER = 8192;
/** About 400 days, the longest lifetime browsers honour. */
export const COOKIE_MAX_AGE = 400 * 86_400;

const SIGNATURE_LENGTH = 43;
const MAC_CONTEXT = 'ae_vid/1|';

/** The named cookie of a Cookie header, or null (also for oversized headers). */
export function readCookie(header: string | null, name: string): string | null {
  if (!header || header.length > MAX_COOKIE_HEADER) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return null;
}

/**
 * What the MAC covers: the context, the site's label when the Worker serves several sites (SITES),
 * and the payload. A payload starts with its version digit, so `site=` never reads as one: a
 * cookie of one site never verifies on another, even under the same secret.
 */
const macInput = (payload: string, site: string | null): string => (site === null ? MAC_CONTEXT + payload : `${MAC_CONTEXT}site=${site}|${payload}`);

export async function signVisitorState(state: VisitorState, secret: string, site: string | null = null): Promise<string | null> {
  const payload = encodeVisitorState(state, MAX_COOKIE_VALUE - SIGNATURE_LENGTH - 1);
  if (payload === null) return null;
  const mac = base64UrlEncode(await hmacSha256(secret, macInput(payload, site)));
  return `${payload}.${mac}`;
}

/** The state of a signed cookie value; null when it is missing, oversized, tampered, truncated or foreign (another secret or site). */
export async function verifyVisitorCookie(value: string | null, secret: string, site: string | null = null): Promise<VisitorState | null> {
  if (!value || value.length > MAX_COOKIE_VALUE) return null;
  const dot = value.lastIndexOf('.');
  if (dot < 0 || value.length - dot - 1 !== SIGNATURE_LENGTH) return null;
  const payload = value.slice(0, dot);
  if (!(await verifyHmac(secret, macInput(payload, site), value.slice(dot + 1)))) return null;
  return decodeVisitorState(payload);
}

export interface CookieOptions {
  /** `None` for the cross-site tag endpoint (with Secure), `Lax` for first-party proxy mode. */
  sameSite: 'None' | 'Lax';
  maxAge: number;
  /** `Domain=` (a site's cookieDomain in SITES); absent: a host-only cookie. */
  domain?: string;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const domain = options.domain ? `; Domain=${options.domain}` : '';
  return `${name}=${value}; Path=/${domain}; Max-Age=${options.maxAge}; HttpOnly; Secure; SameSite=${options.sameSite}`;
}

export function clearCookie(name: string, sameSite: CookieOptions['sameSite'], domain?: string): string {
  return serializeCookie(name, '', { sameSite, maxAge: 0, ...(domain ? { domain } : {}) });
}
