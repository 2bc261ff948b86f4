/**
 * Erasure inside exports: which cells an erased person's removal keeps (hashed identifiers only),
 * and a build that wrote a row for someone erased while it ran (its snapshot still showed them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { buildExport } from '../../../api/exports/build.js';
import { erasureCells } from '../../../api/exports/erasure.js';
import { sha256Hex as h } from '../../../api/exports/normalise.js';
import { readExport } from './export-helpers.js';

describe('erasureCells', () => {
  it('META keeps its SHA-256 columns and blanks MADID and EXTERN_ID', () => {
    const cells = [h('a@b.c'), h('1'), h('fn'), h('ln'), h('ct'), h('st'), h('zip'), h('us'), 'madid-raw', 'CRM-1'];
    expect(erasureCells('META', cells)).toEqual([...cells.slice(0, 8), null, null]);
  });

  it('a removal with nothing hashed to match by is not kept (META by MADID or EXTERN_ID only, GOOGLE by address only)', () => {
    expect(erasureCells('META', [null, null, null, null, null, null, null, null, 'madid-raw', 'CRM-1'])).toBeNull();
    expect(erasureCells('META', [null, null, h('fn'), null, null, null, h('zip'), null, null, 'CRM-1'])).toBeNull();
    expect(erasureCells('GOOGLE', [null, null, h('fn'), h('ln'), 'US', '94043'])).toBeNull();
  });

  it('GOOGLE blanks the clear Country and Zip; GENERIC keeps the profile id and hashes only', () => {
    expect(erasureCells('GOOGLE', [h('e'), null, h('fn'), h('ln'), 'US', '94043'])).toEqual([h('e'), null, h('fn'), h('ln'), null, null]);
    const id = '6f1c2a5e-0000-4000-8000-000000000002';
    expect(erasureCells('GENERIC', [id, 'CRM-7', ['v-1'], h('e'), null, 'vip', '2026-01-31T09:30:00.000Z'])).toEqual([id, null, [], h('e'), null, 'vip', null]);
  });
});

describeEachDatabase('erasure during an export build', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Erasure build');
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('rows a chunk wrote for a profile erased meanwhile are not in the file', async () => {
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'B-1', email: 'b1@example.com', consent: { ads: true } }]);
    const segments = new SegmentService(suite.db, ws.workspaceId);
    const segmentId = (await segments.create({ slug: 'race', name: 'Race', type: 'static' })).id;
    await segments.addToStatic(segmentId, profiles.map((p) => p.id));
    const { rows } = await suite.db.execute<{ id: string }>(sql`
      insert into audience_exports (workspace_id, segment_id, destination, format, mode)
      values (${ws.workspaceId}, ${segmentId}, 'META', 'CSV', 'FULL') returning id`);
    const id = rows[0]!.id;
    // What a chunk whose snapshot predates the erasure commits after it: a row of a profile that is gone.
    await suite.db.execute(sql`
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line)
      values (${id}, '00000000-0000-4000-8000-000000000001', 'add', true, '["x","GONE-1"]', 'x,GONE-1' || E'\\r\\n')`);
    await buildExport(suite.db, id);
    const done = await readExport(api, ws.keys.editor, id);
    // (rowCount is not checked: a real chunk counts the row it wrote, this one was planted.)
    expect(done.status).toBe('DONE');
    const text = await (await api.fetch(done.downloadUrl, { key: ws.keys.editor })).text();
    expect(text).toContain(h('b1@example.com'));
    expect(text).not.toContain('GONE-1');
  });
});
