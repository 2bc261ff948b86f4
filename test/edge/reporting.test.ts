import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../edge/upstream/api-client.js';
import { EventReporter, type EdgeEvent } from '../../edge/upstream/reporter.js';
import { API, createEdge, FakeUpstream, tagAnswer, visitorCookie } from './harness.js';

const event = (i: number): EdgeEvent => ({
  id: `e-${i}`,
  visitorId: 'v-1',
  name: 'page_view',
  occurredAt: new Date(Date.UTC(2026, 10, 1)).toISOString(),
  properties: { path: '/', host: 'shop.example', url: 'https://shop.example/' },
  tags: [],
});

describe('reporting page views', () => {
  it('sends each page view with its tags, ids and properties to /v1/edge/events', async () => {
    const edge = createEdge();
    const response = await edge.tag('https://shop.example/pricing/team?utm_source=google', { cf: { country: 'VN', city: 'Hanoi' }, referrer: 'https://www.google.com/' });
    const answer = await tagAnswer(response.clone());
    await edge.tag('https://shop.example/next', { cookie: visitorCookie(response) });
    expect(edge.upstream.events).toHaveLength(2);
    const [first, second] = edge.upstream.events;
    expect(first).toMatchObject({
      visitorId: answer.visitorId,
      name: 'page_view',
      properties: { path: '/pricing/team', host: 'shop.example', url: 'https://shop.example/pricing/team?utm_source=google', referrer: 'https://www.google.com/' },
      tags: answer.tags,
    });
    expect(first?.profileExternalId).toBeUndefined();
    expect(new Date(String(first?.occurredAt)).toISOString()).toBe(first?.occurredAt);
    expect(first?.id).not.toBe(second?.id);
    expect(second?.visitorId).toBe(answer.visitorId);
  });

  it('a failing events endpoint does not change the answer', async () => {
    const edge = createEdge();
    edge.upstream.eventsStatus = 503;
    const response = await edge.tag('https://shop.example/', { cf: { country: 'VN', city: 'Hanoi' } });
    expect((await tagAnswer(response)).tags).toContain('hanoi');
  });

  it('batches events that arrive while a batch is open, in chunks of maxBatch', async () => {
    const upstream = new FakeUpstream();
    const posts: number[] = [];
    const client = new ApiClient({
      baseUrl: new URL(API),
      apiKey: 'k',
      fetch: async (input, init) => {
        const r = new Request(input, init);
        if (new URL(r.url).pathname === '/v1/edge/events') posts.push(((await r.clone().json()) as { events: unknown[] }).events.length);
        return upstream.fetch(r);
      },
    });
    const reporter = new EventReporter(client, { batchMs: 10, maxBatch: 4 });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < 6; i++) reporter.report(event(i), (p) => pending.push(p));
    await Promise.all(pending);
    expect(posts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(posts.length).toBeLessThanOrEqual(3);
    expect(Math.max(...posts)).toBeLessThanOrEqual(4);
    expect(upstream.events.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5']);
  });

  it('drops the oldest events beyond the queue bound when the API is down', async () => {
    const client = new ApiClient({ baseUrl: new URL(API), apiKey: 'k', fetch: async () => Promise.reject(new TypeError('down')) });
    const reporter = new EventReporter(client, { batchMs: 5, maxQueued: 3, maxBatch: 100, retryDelayMs: 1 });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i++) reporter.report(event(i), (p) => pending.push(p));
    await Promise.all(pending);
    expect(reporter.dropped).toBe(5); // 2 over the bound, 3 refused by the API
  });

  it('sends a batch again when the API answers 5xx, so a hiccup loses no page view', async () => {
    const edge = createEdge();
    edge.upstream.eventsFailures = 1;
    const answer = await tagAnswer(await edge.tag('https://shop.example/after-a-hiccup'));
    expect(edge.upstream.eventsPosts).toBe(2);
    expect(edge.upstream.events).toMatchObject([{ visitorId: answer.visitorId, properties: { path: '/after-a-hiccup' } }]);
  });

  it('gives up after maxAttempts on 5xx and 429, and never resends after another 4xx', async () => {
    const statuses: number[] = [];
    const answering = (status: number) =>
      new ApiClient({ baseUrl: new URL(API), apiKey: 'k', fetch: async () => (statuses.push(status), Response.json({}, { status })) });
    for (const [status, posts] of [[503, 3], [429, 3], [400, 1], [401, 1]] as const) {
      statuses.length = 0;
      const reporter = new EventReporter(answering(status), { batchMs: 0, maxAttempts: 3, retryDelayMs: 1 });
      const pending: Array<Promise<unknown>> = [];
      reporter.report(event(1), (p) => pending.push(p));
      await Promise.all(pending);
      expect([status, statuses.length, reporter.dropped]).toEqual([status, posts, 1]);
    }
  });

  it('counts the items a 207 names as rejected, and does not resend them', async () => {
    let posts = 0;
    const client = new ApiClient({
      baseUrl: new URL(API),
      apiKey: 'k',
      fetch: async () => (posts++, Response.json({ accepted: 1, duplicates: 0, rejected: [{ index: 1, field: 'properties.path', message: 'x' }] }, { status: 207 })),
    });
    const reporter = new EventReporter(client, { batchMs: 5, retryDelayMs: 1 });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < 2; i++) reporter.report(event(i), (p) => pending.push(p));
    await Promise.all(pending);
    expect([posts, reporter.rejected, reporter.dropped]).toEqual([1, 1, 0]);
  });
});
