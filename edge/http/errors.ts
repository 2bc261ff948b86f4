/**
 * The one shape of every error the Worker answers: `{ "error": code, "message": text }`.
 */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'invalid_url'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'origin_not_allowed'
  | 'method_not_allowed'
  | 'not_found'
  | 'invalid_token'
  | 'identify_not_configured'
  | 'origin_unreachable'
  | 'unknown_site'
  | 'site_mismatch'
  | 'sites_invalid'
  | 'internal_error';

export function errorResponse(status: number, error: ErrorCode, message: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'no-store');
  return new Response(JSON.stringify({ error, message }), { status, headers: h });
}

export function methodNotAllowed(allowed: readonly string[]): Response {
  return errorResponse(405, 'method_not_allowed', `Use ${allowed.join(' or ')} here`, { allow: allowed.join(', ') });
}
