/**
 * What the Worker reports must be storable by the API (`POST /v1/edge/events`, PostgreSQL text and
 * jsonb): no U+0000, no lone surrogates, and within the API's lengths, or the API refuses the item.
 * Policy: such characters become U+FFFD (the replacement character, as `String.toWellFormed` does
 * for lone surrogates) and an over-long value is cut to its limit (never inside a surrogate pair).
 * The visitor is tagged from the request as it came; only the report is cleaned.
 */
import type { EdgeDevice, EdgeGeo } from '../../schema/context.js';

export const REPORT_LIMITS = { path: 2048, host: 255, url: 4096, referrer: 4096, externalId: 256 } as const;

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when the API can store `text` as it is (no NUL, no lone surrogate). */
export function isStorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(text);
}

/** `text` with NUL and lone surrogates replaced by U+FFFD, cut to `max` UTF-16 code units. */
export function storableText(text: string, max: number): string {
  let out = text.length > max ? text.slice(0, max) : text;
  const last = out.charCodeAt(out.length - 1);
  if (out.length < text.length && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1); // half a pair cut off
  return out.replace(UNSTORABLE, '\uFFFD');
}

export interface PageViewProperties {
  path: string;
  host: string;
  url: string;
  referrer?: string;
}

/** The page view's properties as the API can store them (see the policy above). */
export function storableProperties(p: PageViewProperties): PageViewProperties {
  const out: PageViewProperties = {
    path: storableText(p.path, REPORT_LIMITS.path),
    host: storableText(p.host, REPORT_LIMITS.host),
    url: storableText(p.url, REPORT_LIMITS.url),
  };
  if (p.referrer) out.referrer = storableText(p.referrer, REPORT_LIMITS.referrer);
  return out;
}

/** The request's geography as the API can store it (see the policy above; fields are at most 128 characters already). */
export function storableGeo(geo: EdgeGeo): EdgeGeo {
  const out: EdgeGeo = {};
  for (const [key, value] of Object.entries(geo) as Array<[keyof EdgeGeo, string | undefined]>) {
    if (value !== undefined) out[key] = storableText(value, 128);
  }
  return out;
}

/** The request's device as the API can store it (names from schema/attributes.ts; cut to 64 characters all the same). */
export function storableDevice(device: EdgeDevice): EdgeDevice {
  const out: EdgeDevice = {};
  for (const [key, value] of Object.entries(device) as Array<[keyof EdgeDevice, string | undefined]>) {
    if (value !== undefined && value !== '') out[key] = storableText(value, 64);
  }
  return out;
}
