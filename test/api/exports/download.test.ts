/**
 * A 100k-member export streamed over HTTP: the second request while it builds reuses it, progress
 * moves, the file has every row and the server's heap stays bounded while it streams; a client that
 * disconnects mid-download leaves the export intact and the next download is complete and identical.
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { requestExport, waitForExport, type ExportView } from './export-helpers.js';

/** 100k on PostgreSQL; PGlite (single-threaded WASM, ~10x slower to load and build) runs the same steps on 20k. */
const MEMBERS_BY_KIND = { pglite: 20_000, postgres: 100_000, neon: 20_000 } as const;
/** Live heap while streaming, generous: the 100k file is ~40 MB (twice that as JS strings); streaming holds a few 5,000-row batches. */
const HEAP_BOUND = 32 * 1024 * 1024;

setFlagsFromString('--expose-gc');
/** A full collection, so heapUsed counts what is live (garbage not yet collected would blur the bound). */
const collect = runInNewContext('gc') as () => void;

async function streamFile(api: TestApi, key: string, url: string) {
  const response = await api.fetch(url, { key });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const digest = createHash('sha256');
  collect();
  const base = process.memoryUsage().heapUsed;
  let chunks = 0;
  let peak = base;
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    digest.update(value);
    for (const byte of value) if (byte === 10) lines++;
    if (++chunks % 8 === 0) {
      collect();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  return { bytes, lines, sha256: digest.digest('hex'), heapDelta: peak - base };
}

describeEachDatabase('audience export streaming (100k members)', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segmentId: string;
  let done: ExportView;
  const MEMBERS = MEMBERS_BY_KIND[suite.kind];

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Big');
    segmentId = (await new SegmentService(suite.db, ws.workspaceId).create({ slug: 'everyone', name: 'Everyone', type: 'static' })).id;
    await suite.db.execute(sql`
      insert into profiles (workspace_id, external_id, email, first_name, last_name, city, country, consent_ads)
      select ${ws.workspaceId}, 'big-' || i, 'user' || i || '@example.com', 'Ann', 'Lee-' || (i % 97), 'Hanoi', 'VN', i % 10 <> 0
      from generate_series(1, ${Math.round((MEMBERS * 10) / 9)}) as i`);
    await suite.db.execute(sql`
      insert into segment_members (segment_id, profile_id, workspace_id)
      select ${segmentId}, id, workspace_id from profiles where workspace_id = ${ws.workspaceId}`);
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('builds in the background with progress; a second request meanwhile gets the same export', async () => {
    const first = await requestExport(api, ws.keys.editor, segmentId, 'META', 'CSV', 'FULL');
    expect(first.status).toMatch(/QUEUED|RUNNING/);
    const second = await requestExport(api, ws.keys.admin, segmentId, 'META', 'JSONL', 'DELTA');
    const seen: number[] = [];
    done = await waitForExport(api, ws.keys.viewer, first.id, seen);
    // The same export while the first builds; a new one only if the first was already done (PGlite builds 20k fast).
    if (second.id !== first.id) expect(new Date(done.finishedAt ?? '').getTime()).toBeLessThanOrEqual(new Date(second.createdAt).getTime());
    else expect(second).toMatchObject({ format: 'CSV', mode: 'FULL' });
    await waitForExport(api, ws.keys.viewer, second.id);
    expect(done).toMatchObject({ status: 'DONE', rowCount: MEMBERS, rowsTotal: MEMBERS, rowsDone: MEMBERS, progress: 1 });
    if (MEMBERS >= 100_000) expect(seen.some((p) => p > 0 && p < 1)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('streams every row in bounded memory; a disconnect mid-download leaves it downloadable, byte for byte', async () => {
    const whole = await streamFile(api, ws.keys.editor, done.downloadUrl);
    expect(whole.lines).toBe(MEMBERS + 1);
    expect(whole.bytes).toBeGreaterThan(MEMBERS * 330);
    expect(whole.heapDelta).toBeLessThan(HEAP_BOUND);

    const aborted = new AbortController();
    const partial = await api.fetch(done.downloadUrl, { key: ws.keys.editor, signal: aborted.signal });
    const reader = partial.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    aborted.abort();
    await reader.read().catch(() => undefined);

    const again = await streamFile(api, ws.keys.editor, done.downloadUrl);
    expect(again).toMatchObject({ lines: whole.lines, bytes: whole.bytes, sha256: whole.sha256 });
  });
});
