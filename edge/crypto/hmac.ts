/**
 * HMAC-SHA256 over WebCrypto, base64url, and a constant-time comparison. Keys are imported once
 * per isolate and secret.
 */
const encoder = new TextEncoder();
const importKey = (secret: string) => crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
// Typed through importKey (not the global CryptoKey type) so this compiles with Node's types too:
// the API's tests verify its tokens with this very module.
const keys = new Map<string, ReturnType<typeof importKey>>();

function keyFor(secret: string): ReturnType<typeof importKey> {
  let key = keys.get(secret);
  if (!key) {
    key = importKey(secret);
    if (keys.size < 16) keys.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, data: string): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign('HMAC', await keyFor(secret), encoder.encode(data));
  return new Uint8Array(signature);
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Null for anything that is not canonical unpadded base64url. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return base64UrlEncode(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

/** Compares in time that depends only on the length (which is public: 32 bytes). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** True when `signature` (base64url) is the HMAC of `data` under `secret`. */
export async function verifyHmac(secret: string, data: string, signature: string): Promise<boolean> {
  const given = base64UrlDecode(signature);
  if (!given || given.length !== 32) return false;
  return timingSafeEqual(given, await hmacSha256(secret, data));
}
