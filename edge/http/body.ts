/**
 * Reads a small JSON object body with a hard byte limit, whatever Content-Length claims.
 * Accepts `application/json` and `text/plain` (what tag.js sends, to skip a CORS preflight).
 */
import { errorResponse } from './errors.js';

export const MAX_BODY_BYTES = 8 * 1024;

export type BodyResult = { ok: true; value: Record<string, unknown> } | { ok: false; response: Response };

const tooLarge = (): BodyResult => ({
  ok: false,
  response: errorResponse(413, 'payload_too_large', `The body must be at most ${MAX_BODY_BYTES} bytes`),
});

async function readLimited(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export async function readJsonObject(request: Request, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json' && type !== 'text/plain') {
    return { ok: false, response: errorResponse(415, 'unsupported_media_type', 'Send the body as application/json') };
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limit) return tooLarge();
  let bytes: Uint8Array | null;
  try {
    bytes = await readLimited(request, limit);
  } catch {
    return { ok: false, response: errorResponse(400, 'invalid_body', 'The body could not be read') };
  }
  if (bytes === null) return tooLarge();
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return { ok: false, response: errorResponse(400, 'invalid_json', 'The body is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, response: errorResponse(400, 'invalid_body', 'The body must be a JSON object') };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
