/**
 * Audience exports end to end over HTTP: FULL and DELTA files of each destination with their exact
 * rows (hashes of the published normalisation), consent, erasure, skipped values, reuse and bad input.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { sha256Hex as h } from '../../../api/exports/normalise.js';
import { exportFile, parseCsv, parseJsonl, readExport, requestExport, waitForExport, type ExportView } from './export-helpers.js';

const JOINED = new Date('2026-01-31T09:30:00.000Z');
const PEOPLE = [
  { externalId: 'CRM-1', email: ' Ana.Silva+news@Gmail.com ', phone: '+1 650-253-0000', firstName: 'Ana', lastName: "O'Neil", city: 'New York', region: 'NY', postalCode: '10001-1234', country: 'US', madid: 'AEBE52E7-03EE-455A-B3C4-E57283966239', consent: { ads: true }, visitorIds: ['v-ana'] },
  { externalId: 'CRM-2', email: 'bo@example.org', phone: '0901234567', country: 'VN', consent: { ads: true } },
  { externalId: 'CRM-3', email: 'cy@example.com', consent: { ads: false } },
  { externalId: 'CRM-4', email: 'dee@localhost', phone: '12345', consent: { ads: true } },
  { externalId: 'CRM-5', email: 'eve@example.net', consent: { ads: true } },
];
const ANA_META = [h('ana.silva+news@gmail.com'), h('16502530000'), h('ana'), h('oneil'), h('newyork'), h('ny'), h('10001'), h('us'), 'aebe52e7-03ee-455a-b3c4-e57283966239', 'CRM-1'];
const EVE_META = [h('eve@example.net'), '', '', '', '', '', '', '', '', 'CRM-5'];
const ANA_GOOGLE = { Email: h('anasilva@gmail.com'), Phone: h('+16502530000'), 'First Name': h('ana'), 'Last Name': h('oneil'), Country: 'US', Zip: '10001-1234' };

describeEachDatabase('audience exports', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segments: SegmentService;
  let vipId: string;
  const ids: Record<string, string> = {};
  const full: Record<string, ExportView> = {};

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Exports');
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, PEOPLE);
    profiles.forEach((p, i) => (ids[PEOPLE[i]!.externalId] = p.id));
    segments = new SegmentService(suite.db, ws.workspaceId, () => JOINED);
    vipId = (await segments.create({ slug: 'vip', name: 'VIP', type: 'static' })).id;
    await segments.addToStatic(vipId, Object.values(ids));
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('META FULL CSV: consenting members, Meta keys, hashed as Meta publishes; invalid values dropped and counted', async () => {
    const { view, response, text } = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'FULL');
    full.META = view;
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="vip-meta-full-${view.id}.csv"`);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID', 'EXTERN_ID']);
    expect(rows.map((r) => r[9]).sort()).toEqual(['CRM-1', 'CRM-2', 'CRM-4', 'CRM-5'].sort());
    expect(rows).toContainEqual(ANA_META);
    expect(rows).toContainEqual([h('bo@example.org'), h('84901234567'), '', '', '', '', '', h('vn'), '', 'CRM-2']);
    expect(rows).toContainEqual(['', '', '', '', '', '', '', '', '', 'CRM-4']);
    expect(view).toMatchObject({ rowCount: 4, rowsDone: 4, rowsTotal: 4, progress: 1, skippedRows: 0, downloadUrl: `/v1/exports/${view.id}` });
    expect(view.skipped).toEqual([{ reason: 'invalid:EMAIL', count: 1 }, { reason: 'invalid:PHONE', count: 1 }]);
  });

  it('GOOGLE FULL JSONL: Customer Match columns; a member with no usable e-mail or phone is skipped', async () => {
    const { view, response, text } = await exportFile(api, ws.keys.admin, vipId, 'GOOGLE', 'JSONL', 'FULL');
    full.GOOGLE = view;
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const rows = parseJsonl(text);
    expect(rows).toHaveLength(3);
    expect(rows).toContainEqual(ANA_GOOGLE);
    expect(rows).toContainEqual({ Email: h('bo@example.org'), Phone: h('+84901234567'), 'First Name': null, 'Last Name': null, Country: 'VN', Zip: null });
    expect(view).toMatchObject({ rowCount: 3, skippedRows: 1 });
    expect(view.skipped).toContainEqual({ reason: 'no-identifier', count: 1 });
  });

  it('GENERIC FULL CSV: ids, visitor ids, hashes, segment and joined-at', async () => {
    const { view, text } = await exportFile(api, ws.keys.admin, vipId, 'GENERIC', 'CSV', 'FULL');
    full.GENERIC = view;
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(['profile_id', 'external_id', 'visitor_ids', 'email_sha256', 'phone_sha256', 'segment', 'joined_at']);
    expect(rows).toHaveLength(4);
    expect(rows).toContainEqual([ids['CRM-1'], 'CRM-1', 'v-ana', h('ana.silva+news@gmail.com'), h('+16502530000'), 'vip', JOINED.toISOString()]);
    expect(rows).toContainEqual([ids['CRM-4'], 'CRM-4', '', '', '', 'vip', JOINED.toISOString()]);
  });

  it('DELTA after a member left, one was erased, one withdrew consent and one joined: adds and removes only', async () => {
    await segments.removeFromStatic(vipId, [ids['CRM-2']!]);
    expect(codeOf(await api.gql('mutation { deleteProfile(externalId: "CRM-5") { id } }', {}, ws.keys.admin))).toBeUndefined();
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, [
      { externalId: 'CRM-4', consent: { ads: false } },
      { externalId: 'CRM-6', email: 'Fay@Example.com', consent: { ads: true } },
    ]);
    ids['CRM-6'] = profiles[1]!.id;
    await segments.addToStatic(vipId, [ids['CRM-6']!]);

    const meta = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA');
    const [header, ...rows] = parseCsv(meta.text);
    expect(header).toEqual(['action', 'EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID', 'EXTERN_ID']);
    expect(rows.sort()).toEqual(
      [
        ['add', h('fay@example.com'), '', '', '', '', '', '', '', '', 'CRM-6'],
        ['remove', h('bo@example.org'), h('84901234567'), '', '', '', '', '', h('vn'), '', 'CRM-2'],
        ['remove', '', '', '', '', '', '', '', '', '', 'CRM-4'],
        // Erased: hashed identifiers only, never the raw EXTERN_ID.
        ['remove', ...EVE_META.slice(0, 9), ''],
      ].sort(),
    );
    expect(meta.view).toMatchObject({ rowCount: 4, previousExportId: full.META!.id, progress: 1 });

    const google = parseJsonl((await exportFile(api, ws.keys.editor, vipId, 'GOOGLE', 'JSONL', 'DELTA')).text);
    expect(google.map((r) => [r.action, r.Email]).sort()).toEqual(
      [['add', h('fay@example.com')], ['remove', h('bo@example.org')], ['remove', h('eve@example.net')]].sort(),
    );

    const generic = parseJsonl((await exportFile(api, ws.keys.editor, vipId, 'GENERIC', 'JSONL', 'DELTA')).text);
    expect(generic.map((r) => `${String(r.action)} ${String(r.external_id)}`).sort()).toEqual(['add CRM-6', 'remove CRM-2', 'remove CRM-4', 'remove null']);
    expect(generic.find((r) => r.external_id === null)).toEqual({
      action: 'remove', profile_id: ids['CRM-5'], external_id: null, visitor_ids: [], email_sha256: h('eve@example.net'), phone_sha256: null, segment: 'vip', joined_at: null,
    });
  });

  it('a DELTA with nothing changed is a valid file with just the header; the chain goes on from the last done export', async () => {
    const again = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA');
    expect(again.text).toBe('action,EMAIL,PHONE,FN,LN,CT,ST,ZIP,COUNTRY,MADID,EXTERN_ID\r\n');
    expect(again.view).toMatchObject({ rowCount: 0, rowsTotal: 2, rowsDone: 2, progress: 1 });
    const fullNow = parseCsv((await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'FULL')).text);
    expect(fullNow.slice(1).map((r) => r[9]).sort()).toEqual(['CRM-1', 'CRM-6'].sort());
  });

  it('DELTA resends a member whose identifiers changed: the old cells removed, the new added', async () => {
    await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'CRM-6', email: 'Fay.New@Example.com' }]);
    const meta = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA');
    expect(parseCsv(meta.text).slice(1).sort()).toEqual([
      ['add', h('fay.new@example.com'), '', '', '', '', '', '', '', '', 'CRM-6'],
      ['remove', h('fay@example.com'), '', '', '', '', '', '', '', '', 'CRM-6'],
    ]);
    expect(meta.view).toMatchObject({ rowCount: 2, rowsDone: 2 });

    // Changed by a path that does not compute identifiers (plain SQL): the stale ones are dropped and recomputed by the build.
    await suite.db.execute(sql`update profiles set email = 'fay.sql@example.com' where workspace_id = ${ws.workspaceId} and external_id = 'CRM-6'`);
    const google = parseJsonl((await exportFile(api, ws.keys.editor, vipId, 'GOOGLE', 'JSONL', 'DELTA')).text);
    expect(google.map((r) => [r.action, r.Email]).sort()).toEqual([['add', h('fay.sql@example.com')], ['remove', h('fay@example.com')]]);
    const metaAgain = parseCsv((await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA')).text);
    expect(metaAgain.slice(1).map((r) => [r[0], r[1]]).sort()).toEqual([['add', h('fay.sql@example.com')], ['remove', h('fay.new@example.com')]]);
  });

  it('a segment with no members gives a valid file with just the header (CSV) or nothing (JSONL)', async () => {
    const emptyId = (await segments.create({ slug: 'nobody', name: 'Nobody', type: 'static' })).id;
    const csv = await exportFile(api, ws.keys.editor, emptyId, 'GOOGLE', 'CSV', 'FULL');
    expect(csv.text).toBe('Email,Phone,First Name,Last Name,Country,Zip\r\n');
    expect(csv.view).toMatchObject({ rowCount: 0, rowsTotal: 0, progress: 1, status: 'DONE' });
    expect((await exportFile(api, ws.keys.editor, emptyId, 'GENERIC', 'JSONL', 'DELTA')).text).toBe('');
  });

  it('concurrent requests for the same segment and destination never build two files at once', async () => {
    const listId = (await segments.create({ slug: 'twice', name: 'Twice', type: 'static' })).id;
    await segments.addToStatic(listId, [ids['CRM-1']!]);
    const [a, b] = await Promise.all([
      requestExport(api, ws.keys.editor, listId, 'META', 'CSV', 'FULL'),
      requestExport(api, ws.keys.editor, listId, 'META', 'CSV', 'FULL'),
    ]);
    for (const view of [a, b]) expect((await waitForExport(api, ws.keys.editor, view.id)).status).toBe('DONE');
    // One export, or (when the first finished before the second request was read) two in sequence: never
    // two builds at once. Judged on the builds (started_at .. finished_at): created_at is the start of the
    // creating transaction, which may begin before the first build ends and commit after it.
    const { rows } = await suite.db.execute<{ n: number }>(sql`
      select count(*)::int as n from audience_exports x join audience_exports y on x.id < y.id and x.segment_id = y.segment_id
      where x.segment_id = ${listId} and x.started_at < y.finished_at and y.started_at < x.finished_at`);
    expect({ same: a.id === b.id, overlapping: rows[0]!.n }).toMatchObject(a.id === b.id ? { same: true } : { overlapping: 0 });
  });

  it('bad input: unknown or archived segment, unknown export, a download before it is done', async () => {
    const unknown = await api.gql('mutation { createAudienceExport(segmentId: "00000000-0000-4000-8000-000000000000", destination: META, format: CSV, mode: FULL) { id } }', {}, ws.keys.admin);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(codeOf(await api.gql('mutation { createAudienceExport(segmentId: "nope", destination: META, format: CSV, mode: FULL) { id } }', {}, ws.keys.admin))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql('mutation($s: ID!) { createAudienceExport(segmentId: $s, destination: TIKTOK, format: CSV, mode: FULL) { id } }', { s: vipId }, ws.keys.admin))).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    const oldId = (await segments.create({ slug: 'old', name: 'Old', type: 'static' })).id;
    await segments.archive(oldId);
    const archived = await api.gql('mutation($s: ID!) { createAudienceExport(segmentId: $s, destination: META, format: CSV, mode: FULL) { id } }', { s: oldId }, ws.keys.admin);
    expect(codeOf(archived)).toBe('CONFLICT');
    expect(codeOf(await api.gql('{ audienceExport(id: "00000000-0000-4000-8000-000000000000") { id } }', {}, ws.keys.viewer))).toBe('NOT_FOUND');
    expect((await api.fetch('/v1/exports/00000000-0000-4000-8000-000000000000', { key: ws.keys.editor })).status).toBe(404);

    // An export whose build died with its process: downloads say so; the next request replaces it.
    const stuckId = (await segments.create({ slug: 'stuck', name: 'Stuck', type: 'static' })).id;
    const { rows } = await suite.db.execute<{ id: string }>(sql`
      insert into audience_exports (workspace_id, segment_id, destination, format, mode, status, rows_total, rows_done, updated_at)
      values (${ws.workspaceId}, ${stuckId}, 'META', 'CSV', 'FULL', 'running', 10, 5, now() - interval '1 hour') returning id`);
    const stuck = rows[0]!.id;
    const early = await api.fetch(`/v1/exports/${stuck}`, { key: ws.keys.editor });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: 'CONFLICT', status: 'RUNNING' } });
    const fresh = await requestExport(api, ws.keys.editor, stuckId, 'META', 'CSV', 'FULL');
    expect(fresh.id).not.toBe(stuck);
    const dead = await readExport(api, ws.keys.viewer, stuck);
    expect(dead).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/stopped without finishing/) });
    const failed = await api.fetch(`/v1/exports/${stuck}`, { key: ws.keys.editor });
    expect(failed.status).toBe(409);
    expect(await failed.json()).toMatchObject({ error: { code: 'CONFLICT', status: 'FAILED' } });
    expect((await waitForExport(api, ws.keys.editor, fresh.id)).status).toBe('DONE');
  });
});
