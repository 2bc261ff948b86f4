/** API key secrets: `ae_` + 32 random bytes (base64url), stored only as their sha256 hex. */
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'ae_';
const SECRET = /^ae_[A-Za-z0-9_-]{43}$/;

export function generateSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The first 8 characters, shown in lists so people can tell keys apart. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, 8);
}

/** The secret of an `Authorization: Bearer ae_...` header, or null when the header is absent or malformed. */
export function secretFromHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const secret = match?.[1];
  return secret && SECRET.test(secret) ? secret : null;
}
