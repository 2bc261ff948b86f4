/**
 * The sliced build (PGlite: BuildOptions.sliceMs, api/exports/slices.ts) writes the same export as
 * the build in whole chunks: counted in key-ordered slices, written in chunks sized from their time,
 * with the rows of profiles erased while it ran dropped slice by slice. A slice time of 1 ms keeps
 * every slice at its minimum, so 260 members take several slices of each kind.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { buildExport } from '../../../api/exports/build.js';
import { readExport } from './export-helpers.js';

const MEMBERS = 260;
/** Profiles that no longer exist, spread over the key space so that they fall in different slices. */
const GONE = ['00000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000002', 'ffffffff-0000-4000-8000-000000000003'];

describeEachDatabase('export build in slices', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segmentId: string;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Sliced build');
    api = await startTestApi(suite.db);
    const inputs = Array.from({ length: MEMBERS }, (_, i) => ({ externalId: `S-${i}`, email: `s${i}@example.com`, consent: { ads: i % 13 !== 0 } }));
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, inputs);
    const segments = new SegmentService(suite.db, ws.workspaceId);
    segmentId = (await segments.create({ slug: 'sliced', name: 'Sliced', type: 'static' })).id;
    await segments.addToStatic(segmentId, profiles.map((p) => p.id));
  });
  afterAll(() => api?.close());

  async function build(sliceMs: number | undefined) {
    const { rows } = await suite.db.execute<{ id: string }>(sql`
      insert into audience_exports (workspace_id, segment_id, destination, format, mode)
      values (${ws.workspaceId}, ${segmentId}, 'GENERIC', 'CSV', 'FULL') returning id`);
    const id = rows[0]!.id;
    // What chunks whose snapshots predate an erasure commit after it: rows of profiles that are gone.
    for (const gone of GONE) {
      await suite.db.execute(sql`
        insert into audience_export_rows (export_id, profile_id, action, sent, cells, line)
        values (${id}, ${gone}, 'add', true, ${`["${gone}"]`}, ${`${gone},GONE\r\n`})`);
    }
    await buildExport(suite.db, id, { sliceMs });
    const view = await readExport(api, ws.keys.editor, id);
    expect(view.status).toBe('DONE');
    const text = await (await api.fetch(view.downloadUrl, { key: ws.keys.editor })).text();
    const [header, ...lines] = text.trimEnd().split('\r\n');
    return { view, header, lines: lines.sort() };
  }

  it('writes the same file and counts as the build in whole chunks, without the rows of erased profiles', async () => {
    const whole = await build(undefined);
    const sliced = await build(1);
    const consenting = Array.from({ length: MEMBERS }, (_, i) => i).filter((i) => i % 13 !== 0).length;
    expect(whole.lines).toHaveLength(consenting);
    expect(sliced.header).toBe(whole.header);
    expect(sliced.lines).toEqual(whole.lines);
    expect(sliced.lines.join('\n')).not.toContain('GONE');
    for (const field of ['rowsTotal', 'rowsDone', 'rowCount', 'skippedRows'] as const) expect(sliced.view[field]).toBe(whole.view[field]);
    expect(sliced.view.rowsTotal).toBe(consenting);
  });
});
