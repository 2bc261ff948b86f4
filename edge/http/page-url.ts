/**
 * The page URL and referrer a site reports to /v1/tag: http(s) only, bounded in size.
 */
export const MAX_URL_LENGTH = 4096;

export type PageInput = { ok: true; url: string; referrer?: string } | { ok: false; message: string };

function httpUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? u : null;
  } catch {
    return null;
  }
}

export function parsePageInput(body: Record<string, unknown>): PageInput {
  const { url, referrer } = body;
  if (typeof url !== 'string' || url.trim() === '') return { ok: false, message: "'url' is required: the page's absolute URL" };
  if (url.length > MAX_URL_LENGTH) return { ok: false, message: `'url' must be at most ${MAX_URL_LENGTH} characters` };
  const page = httpUrl(url.trim());
  if (!page) return { ok: false, message: "'url' must be an absolute http(s) URL" };
  if (referrer === undefined || referrer === null || referrer === '') return { ok: true, url: page.href };
  if (typeof referrer !== 'string') return { ok: false, message: "'referrer' must be a string" };
  if (referrer.length > MAX_URL_LENGTH) return { ok: false, message: `'referrer' must be at most ${MAX_URL_LENGTH} characters` };
  return { ok: true, url: page.href, referrer };
}
