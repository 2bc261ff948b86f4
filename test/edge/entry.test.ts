/**
 * The deployed entry (wrangler.toml's main and [vars]) answered through the runtime's own
 * loopback, with the API replaced by a fake on the global fetch.
 */
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeUpstream, UA_IPHONE } from './harness.js';

const worker = (exports as unknown as { default: Fetcher }).default;

describe('the Worker entry (wrangler.toml)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers /v1/tag with geography from cf and the vars of wrangler.toml', async () => {
    const upstream = new FakeUpstream('http://127.0.0.1:4000');
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => upstream.fetch(input as Request | string | URL, init));
    const response = await worker.fetch('https://edge.shop.example/v1/tag', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': UA_IPHONE, origin: 'http://localhost:3000' },
      body: JSON.stringify({ url: 'https://shop.example/' }),
      cf: { country: 'TH', city: 'Bangkok', continent: 'AS' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const answer = (await response.json()) as { tags: string[]; ruleset: string | null; visitorId: string | null };
    expect(answer.tags).toEqual(['sea-mobile']);
    expect(answer.ruleset).toBe('v-test-1');
    expect(upstream.rulesetCalls[0]?.auth).toBe('Bearer dev-edge-key');
    // wrangler.toml's secrets are placeholders and its vars set no ENVIRONMENT: deployed as they
    // are, the Worker keeps no visitor state rather than sign with a value from the repository.
    expect(answer.visitorId).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('is 404 for unknown paths without an origin', async () => {
    const response = await worker.fetch('https://edge.shop.example/nothing-here');
    expect(response.status).toBe(404);
  });
});
