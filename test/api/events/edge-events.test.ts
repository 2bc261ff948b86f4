/**
 * `POST /v1/edge/events` validates each item: the storable ones are stored, the others are
 * counted and named by index (207), so one visitor's crafted URL never loses the others' views.
 * A malformed whole body is 400 with its field.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { events } from '../../../drizzle/index.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const view = (id: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  id,
  visitorId: `vid-${id}`,
  name: 'page_view',
  occurredAt: '2026-06-01T11:59:00.000Z',
  properties: { path: '/', host: 'shop.example', url: 'https://shop.example/', referrer: 'https://search.example/', ...properties },
  tags: [],
  ...extra,
});

interface BatchAnswer {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; field: string; message: string }>;
}

describeEachDatabase('edge events batch', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const post = (body: unknown) =>
    api.fetch('/v1/edge/events', { method: 'POST', key: ws.keys.edge, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const stored = async (prefix: string) =>
    (await suite.db.select({ eventId: events.eventId }).from(events).where(and(eq(events.workspaceId, ws.workspaceId), like(events.eventId, `edge:${prefix}%`))))
      .map((r) => r.eventId)
      .sort();

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Edge batch');
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('stores the 5 good page views of a batch and names the index of the one with a NUL path', async () => {
    const batch = [0, 1, 2, 3, 4].map((i) => view(`nul-${i}`, { path: `/victim-${i}` }));
    batch.splice(2, 0, view('nul-bad', { path: '/a\u0000b', url: 'https://shop.example/a%00b' }));
    const response = await post({ events: batch });
    expect(response.status).toBe(207);
    const answer = (await response.json()) as BatchAnswer;
    expect(answer).toMatchObject({ accepted: 5, duplicates: 0, rejected: [{ index: 2, field: 'properties.path' }] });
    expect(answer.rejected[0]!.message).toMatch(/U\+0000/);
    expect(await stored('nul-')).toEqual(['edge:nul-0', 'edge:nul-1', 'edge:nul-2', 'edge:nul-3', 'edge:nul-4']);
  });

  it('rejects lone surrogates (U+D800, U+DC00) and NULs in any stored string, keeping surrogate pairs', async () => {
    const batch = [
      view('sur-0', { referrer: 'https://ref.example/\uD800' }),
      view('sur-1', {}, { visitorId: 'vid-\uDC00' }),
      view('sur-2', { path: '/\uD83D\uDE00' }),
      view('sur-3', {}, { tags: ['ok', 'bad\u0000'] }),
      view('sur-4', {}, { profileExternalId: 'cust\u0000' }),
      view('sur-5', { host: 'shop\uD800.example' }),
      view('sur\u0000-6'),
    ];
    const response = await post({ events: batch });
    expect(response.status).toBe(207);
    const answer = (await response.json()) as BatchAnswer;
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'properties.referrer'],
      [1, 'visitorId'],
      [3, 'tags'],
      [4, 'profileExternalId'],
      [5, 'properties.host'],
      [6, 'id'],
    ]);
    expect(await stored('sur-')).toEqual(['edge:sur-2']);
  });

  it('rejects over-long values by field and stores the rest', async () => {
    const batch = [
      view('long-0', { path: `/${'p'.repeat(2048)}` }),
      view('long-1', { url: `https://shop.example/${'u'.repeat(4096)}` }),
      view('long-2', { host: 'h'.repeat(256) }),
      view('long-3', { referrer: `https://ref.example/${'r'.repeat(4096)}` }),
      view('long-4', { path: `/${'p'.repeat(2047)}`, referrer: `https://ref.example/${'r'.repeat(4096 - 20)}` }),
    ];
    const answer = (await (await post({ events: batch })).json()) as BatchAnswer;
    expect(answer.accepted).toBe(1);
    expect(answer.rejected.map((r) => [r.index, r.field])).toEqual([
      [0, 'properties.path'],
      [1, 'properties.url'],
      [2, 'properties.host'],
      [3, 'properties.referrer'],
    ]);
    expect(await stored('long-')).toEqual(['edge:long-4']);
  });

  it('answers 202 with an empty rejected list when every item is stored', async () => {
    const response = await post({ events: [view('all-0'), view('all-1')] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, erased: 0, erasedEventIds: [], rejected: [] });
  });

  it('a malformed whole body is 400 with the field, and stores nothing', async () => {
    for (const body of ['{"events": [', '[]', { events: 'x' }, { nope: [] }, { events: Array.from({ length: 1001 }, (_, i) => view(`many-${i}`)) }]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { code: string; field?: string } }).error;
      expect(error.code).toBe('BAD_USER_INPUT');
      if (typeof body !== 'string') expect(error.field).toBe('events');
    }
    expect(await stored('many-')).toEqual([]);
  });
});
