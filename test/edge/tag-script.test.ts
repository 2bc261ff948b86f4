import { describe, expect, it } from 'vitest';
import { TAG_SCRIPT } from '../../edge/routes/tag-script.js';
import { createEdge } from './harness.js';

interface FakeWindow {
  location: { href: string };
  audienceTags?: string[];
  audienceVariants?: Record<string, string>;
  dataLayer?: unknown[];
}

/** Runs tag.js against a fake page whose fetch is `fetchImpl`; resolves with what the page saw. */
async function runScript(fetchImpl: (url: string, init: RequestInit) => Promise<Response>) {
  const win: FakeWindow = { location: { href: 'https://shop.example/pricing?utm_source=google' }, dataLayer: [{ event: 'gtm.js' }] };
  const doc = Object.assign(new EventTarget(), { referrer: 'https://www.google.com/', currentScript: { src: 'https://edge.shop.example/v1/tag.js' } });
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const detail = new Promise<{ tags: string[]; visitorId: string | null; variants: Record<string, string>; bubbles: boolean }>((resolve) => {
    doc.addEventListener('audience:tags', (e) => {
      const ev = e as CustomEvent<{ tags: string[]; visitorId: string | null; variants: Record<string, string> }>;
      resolve({ ...ev.detail, bubbles: ev.bubbles });
    });
  });
  const fetchSpy = (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return fetchImpl(url, init);
  };
  // The vitest pool allows new Function; the Worker itself never generates code.
  new Function('window', 'document', 'fetch', TAG_SCRIPT)(win, doc, fetchSpy);
  return { win, calls, event: await detail };
}

describe('GET /v1/tag.js', () => {
  it('is served as cacheable JavaScript', async () => {
    const edge = createEdge();
    const response = await edge.send(new Request('https://edge.shop.example/v1/tag.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('max-age=');
    expect(await response.text()).toBe(TAG_SCRIPT);
    expect(TAG_SCRIPT.length).toBeLessThan(2000);
  });

  it('posts the page to /v1/tag with credentials and announces the tags three ways', async () => {
    const variants = { 'hanoi:hero': 'new' };
    const { win, calls, event } = await runScript(async () => Response.json({ visitorId: 'v-1', tags: ['hanoi', 'from-google'], ruleset: 'r1', variants }));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://edge.shop.example/v1/tag');
    expect(calls[0]?.init).toMatchObject({ method: 'POST', credentials: 'include' });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ url: 'https://shop.example/pricing?utm_source=google', referrer: 'https://www.google.com/' });
    expect(win.audienceTags).toEqual(['hanoi', 'from-google']);
    expect(win.audienceVariants).toEqual(variants);
    expect(win.dataLayer).toEqual([{ event: 'gtm.js' }, { event: 'audience_tags', tags: ['hanoi', 'from-google'], variants }]);
    expect(event).toEqual({ tags: ['hanoi', 'from-google'], visitorId: 'v-1', variants, bubbles: true });
  });

  it('announces no variants ({}) when the answer has none or a malformed field', async () => {
    for (const variants of [undefined, null, ['x'], 'a']) {
      const { win, event } = await runScript(async () => Response.json({ visitorId: 'v-1', tags: ['hanoi'], ruleset: 'r1', variants }));
      expect(win.audienceVariants).toEqual({});
      expect(event.variants).toEqual({});
    }
  });

  it('announces an empty list when the edge fails, so pages never wait forever', async () => {
    const failed = await runScript(async () => Promise.reject(new TypeError('offline')));
    expect(failed.win.audienceTags).toEqual([]);
    expect(failed.win.audienceVariants).toEqual({});
    expect(failed.event).toMatchObject({ tags: [], variants: {} });
    const refused = await runScript(async () => new Response('{"error":"origin_not_allowed"}', { status: 403 }));
    expect(refused.win.audienceTags).toEqual([]);
  });

  it('round-trips through the real Worker', async () => {
    const edge = createEdge();
    const { win } = await runScript((url, init) =>
      edge.send(new Request(url, { ...init, headers: { ...(init.headers as Record<string, string>), 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1' }, cf: { country: 'VN', city: 'Hanoi' } })),
    );
    expect(win.audienceTags?.sort()).toEqual(['from-google', 'hanoi', 'sea-mobile']);
  });
});
