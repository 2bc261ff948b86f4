/**
 * Geography of a request from Cloudflare's `request.cf`. Read defensively: `cf` is absent in some
 * local setups and its fields are optional; "XX" (unknown) and "T1" (Tor) are not countries.
 */
import type { EdgeGeo } from '../../schema/context.js';

const MAX_FIELD = 128;

function text(cf: Record<string, unknown>, key: string): string | undefined {
  const v = cf[key];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' || t.length > MAX_FIELD ? undefined : t;
}

/**
 * Maps `request.cf` to the context's geography; `region` is the region code (ISO 3166-2 suffix)
 * when Cloudflare knows it, else the region name.
 */
export function geoFromCf(cf: unknown): EdgeGeo {
  if (typeof cf !== 'object' || cf === null) return {};
  const src = cf as Record<string, unknown>;
  const geo: EdgeGeo = {};
  const country = text(src, 'country')?.toUpperCase();
  if (country && /^[A-Z]{2}$/.test(country) && country !== 'XX' && country !== 'T1') geo.country = country;
  const region = text(src, 'regionCode') ?? text(src, 'region');
  if (region) geo.region = region;
  const city = text(src, 'city');
  if (city) geo.city = city;
  const continent = text(src, 'continent')?.toUpperCase();
  if (continent && /^[A-Z]{2}$/.test(continent)) geo.continent = continent;
  const postalCode = text(src, 'postalCode');
  if (postalCode) geo.postalCode = postalCode;
  const timezone = text(src, 'timezone');
  if (timezone) geo.timezone = timezone;
  return geo;
}

/** Dev-only header carrying a JSON `cf`-like object, e.g. `{"country":"VN","city":"Hanoi"}`. */
export const DEV_CF_HEADER = 'x-ae-dev-cf';

/**
 * Geography from the dev header when it holds a JSON object (at most 1 KB), else null. Only called
 * when DEV_CF_HEADER=true: `wrangler dev` offline gives every request a placeholder `cf` (US).
 */
export function geoFromDevHeader(raw: string | null): EdgeGeo | null {
  if (!raw || raw.length > 1024) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? geoFromCf(parsed) : null;
  } catch {
    return null;
  }
}
