/**
 * Bulk import under faults: an import racing upsertProfiles of the same people (no deadlock, no
 * lost field), and a connection dropped mid-import (the committed chunks stay, the import is marked
 * failed, and sending the same file again reaches the same end state with no duplicate events).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq, like, sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { events, profiles } from '../../../drizzle/index.js';
import { IMPORT_LIMITS } from '../../../api/imports/imports.service.js';

const UPSERT_MANY = `mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated } }`;
const ndjson = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachDatabase('bulk import under faults', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const chunkRows = IMPORT_LIMITS.chunkRows;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Import faults');
    await defineTrait(suite.db, ws.workspaceId, 'plan', 'string', null);
    api = await startTestApi(suite.db);
    IMPORT_LIMITS.chunkRows = 100; // many chunks (transactions) from small files
  });
  afterAll(async () => {
    IMPORT_LIMITS.chunkRows = chunkRows;
    await api?.close();
  });

  const countOf = async (table: typeof profiles | typeof events, where: ReturnType<typeof and>) =>
    (await suite.db.select({ n: sql<number>`count(*)::int` }).from(table).where(where))[0]!.n;

  it('races upsertProfiles of the same profiles without deadlock or a lost field', async () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `race-${String(i).padStart(5, '0')}`);
    const file = ndjson(ids.map((externalId) => ({ externalId, email: `${externalId}@example.com`, traits: { plan: 'imported' } })));
    const importing = api.fetch('/v1/imports/profiles', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: file, key: ws.keys.ingest });
    // Four writers upsert the same people in other orders (reversed, interleaved), a field the import does not send.
    const writers = [0, 1, 2, 3].map(async (w) => {
      const mine = ids.filter((_, i) => i % 4 === w);
      if (w % 2 === 1) mine.reverse();
      for (let at = 0; at < mine.length; at += 100) {
        dataOf(await api.gql(UPSERT_MANY, { inputs: mine.slice(at, at + 100).map((externalId) => ({ externalId, firstName: 'Up' })) }, ws.keys.ingest));
      }
    });
    const response = await importing;
    await Promise.all(writers);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'done', accepted: 1200, rejected: 0 });
    const rows = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), like(profiles.externalId, 'race-%')));
    expect(rows).toHaveLength(1200);
    for (const row of rows) expect([row.email, row.firstName, row.traits]).toEqual([`${row.externalId}@example.com`, 'Up', { plan: 'imported' }]);
  });

  /** Sends the first `lines` of `body` chunked, waits until `committed` lines are committed, then drops the connection. */
  async function sendAndDrop(type: string, id: string, body: string, committed: number): Promise<void> {
    const url = new URL(`${api.url}/v1/imports/${type}?id=${id}`);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ws.keys.ingest}`, 'transfer-encoding': 'chunked' } });
    req.on('error', () => undefined);
    const cut = body.split('\n').slice(0, Math.floor(body.split('\n').length * 0.8)).join('\n');
    req.write(cut.slice(0, -7)); // ends mid-line
    for (;;) {
      const shown = await api.fetch(`/v1/imports/${id}`, { key: ws.keys.ingest });
      if (shown.status === 200 && ((await shown.json()) as { linesRead: number }).linesRead >= committed) break;
      await sleep(20);
    }
    req.destroy();
    for (;;) {
      const shown = (await (await api.fetch(`/v1/imports/${id}`, { key: ws.keys.ingest })).json()) as { status: string };
      if (shown.status !== 'running') break;
      await sleep(20);
    }
  }

  it('keeps the committed chunks of a dropped import; re-sending the file reaches the same end state', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ externalId: `drop-${i}`, city: 'Hue', traits: { plan: i % 2 ? 'pro' : 'free' } }));
    const file = ndjson(rows);
    const id = crypto.randomUUID();
    await sendAndDrop('profiles', id, file, 200);
    const failed = (await (await api.fetch(`/v1/imports/${id}`, { key: ws.keys.ingest })).json()) as Record<string, any>;
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatch(/send the same file again/);
    expect(failed.accepted % 100).toBe(0);
    expect(failed.accepted).toBeGreaterThanOrEqual(200);
    const profileWhere = and(eq(profiles.workspaceId, ws.workspaceId), like(profiles.externalId, 'drop-%'));
    expect(await countOf(profiles, profileWhere)).toBe(failed.accepted);

    const again = await api.fetch('/v1/imports/profiles', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: file, key: ws.keys.ingest });
    expect(await again.json()).toMatchObject({ status: 'done', accepted: 500, created: 500 - failed.accepted });
    expect(await countOf(profiles, profileWhere)).toBe(500);
    const [one] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'drop-7')));
    expect(one).toMatchObject({ city: 'Hue', traits: { plan: 'pro' } });
    // Reusing the id of an import is refused.
    const reused = await api.fetch(`/v1/imports/profiles?id=${id}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: file, key: ws.keys.ingest });
    expect(reused.status).toBe(400);
  });

  it('re-sending an events file after a dropped import stores each event once', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ eventId: `ev-drop-${i}`, externalId: `buyer-${i % 50}`, name: 'purchase', properties: { revenue: 1 }, timestamp: '2026-01-01T00:00:00Z' }));
    const file = ndjson(rows);
    const id = crypto.randomUUID();
    await sendAndDrop('events', id, file, 200);
    const again = await api.fetch('/v1/imports/events', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: file, key: ws.keys.ingest });
    const report = (await again.json()) as Record<string, number>;
    expect(report).toMatchObject({ accepted: 500, rejected: 0 });
    expect(report.duplicates).toBeGreaterThanOrEqual(200);
    expect(await countOf(events, and(eq(events.workspaceId, ws.workspaceId), like(events.eventId, 'ev-drop-%')))).toBe(500);
    const [buyer] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'buyer-3')));
    expect(buyer).toMatchObject({ purchaseCount: 10, purchaseTotal: 10 });
  });
});
