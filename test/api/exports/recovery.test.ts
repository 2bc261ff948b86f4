/**
 * Builds that died with their process: restarted cleanly at API start (resumeStaleExports), with
 * what they half-wrote deleted; a build still beating is left alone and a request meanwhile reuses it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { resumeStaleExports } from '../../../api/exports/exports.service.js';
import { exportFile, parseCsv, readExport, requestExport } from './export-helpers.js';

describeEachDatabase('audience exports left behind by a dead process', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segments: SegmentService;
  let profileIds: string[];

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Recovery');
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, [
      { externalId: 'R-1', email: 'r1@example.com', consent: { ads: true } },
      { externalId: 'R-2', email: 'r2@example.com', consent: { ads: true } },
    ]);
    profileIds = profiles.map((p) => p.id);
    segments = new SegmentService(suite.db, ws.workspaceId);
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  async function insertExport(segmentId: string, status: 'queued' | 'running', age: string): Promise<string> {
    const { rows } = await suite.db.execute<{ id: string }>(sql`
      insert into audience_exports (workspace_id, segment_id, destination, format, mode, status, rows_total, rows_done, row_count, updated_at)
      values (${ws.workspaceId}, ${segmentId}, 'META', 'CSV', 'FULL', ${status}, 2, 1, 1, now() - ${age}::interval) returning id`);
    return rows[0]!.id;
  }

  it('a build whose heartbeat stopped is restarted from scratch: its half-written rows go, the file is complete', async () => {
    const segmentId = (await segments.create({ slug: 'dead-running', name: 'Dead', type: 'static' })).id;
    await segments.addToStatic(segmentId, profileIds);
    const running = await insertExport(segmentId, 'running', '1 hour');
    await suite.db.execute(sql`
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line)
      values (${running}, ${profileIds[0]!}, 'add', true, '["half"]', 'half,written' || E'\\r\\n')`);
    const otherSegment = (await segments.create({ slug: 'dead-queued', name: 'Queued', type: 'static' })).id;
    const queued = await insertExport(otherSegment, 'queued', '1 hour');

    expect((await resumeStaleExports(suite.db, api.jobs)).sort()).toEqual([running, queued].sort());
    await api.jobs.settle();
    const done = await readExport(api, ws.keys.viewer, running);
    expect(done).toMatchObject({ status: 'DONE', rowCount: 2, rowsDone: 2, rowsTotal: 2, error: null });
    const response = await api.fetch(done.downloadUrl, { key: ws.keys.editor });
    const rows = parseCsv(await response.text()).slice(1);
    expect(rows.map((r) => r[9]).sort()).toEqual(['R-1', 'R-2']);
    expect(await readExport(api, ws.keys.viewer, queued)).toMatchObject({ status: 'DONE', rowCount: 0 });
    expect(await resumeStaleExports(suite.db, api.jobs)).toEqual([]);
    // The rows go with their export (a trigger, not a foreign key).
    await suite.db.execute(sql`delete from audience_exports where id = ${running}`);
    const { rows: left } = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from audience_export_rows where export_id = ${running}`);
    expect(left[0]!.n).toBe(0);
  });

  it('a build still beating is left alone, and a request for the same audience reuses it', async () => {
    const segmentId = (await segments.create({ slug: 'alive', name: 'Alive', type: 'static' })).id;
    await segments.addToStatic(segmentId, profileIds);
    const alive = await insertExport(segmentId, 'running', '1 second');
    expect(await resumeStaleExports(suite.db, api.jobs)).toEqual([]);
    const again = await requestExport(api, ws.keys.editor, segmentId, 'META', 'JSONL', 'DELTA');
    expect(again).toMatchObject({ id: alive, status: 'RUNNING', format: 'CSV', mode: 'FULL' });
    // Once its heartbeat is old, the next request fails it cleanly (no rows left) and builds anew.
    await suite.db.execute(sql`update audience_exports set updated_at = now() - interval '1 hour' where id = ${alive}`);
    await suite.db.execute(sql`
      insert into audience_export_rows (export_id, profile_id, action, sent, cells) values (${alive}, ${profileIds[0]!}, 'add', true, '["half"]')`);
    const fresh = await exportFile(api, ws.keys.editor, segmentId, 'META', 'CSV', 'FULL');
    expect(fresh.view.id).not.toBe(alive);
    expect(parseCsv(fresh.text)).toHaveLength(3);
    expect(await readExport(api, ws.keys.viewer, alive)).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/stopped without finishing/) });
    const { rows } = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from audience_export_rows where export_id = ${alive}`);
    expect(rows[0]!.n).toBe(0);
  });
});
