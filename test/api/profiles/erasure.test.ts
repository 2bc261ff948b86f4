/**
 * Erasure that stays erased (CONTRACT 4): deleteProfile removes the person's data and every line of
 * them in stored export files at once; the next DELTA to each destination carries one removal with
 * hashed identifiers only, then nothing; a keyed tombstone stops events and the edge's reports from
 * creating the profile again, until an explicit upsertProfile.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { sha256Hex as h } from '../../../api/exports/normalise.js';
import { exportFile, parseCsv, parseJsonl, type ExportView } from '../exports/export-helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const EX = 'ex-1';
const MADID = 'aebe52e7-03ee-455a-b3c4-e57283966239';
const PEOPLE = [
  { externalId: EX, email: 'Ex.Person@Example.com', phone: '+1 650-253-0000', firstName: 'Ex', lastName: 'Person', country: 'US', postalCode: '94043', madid: MADID, consent: { ads: true }, visitorIds: ['v-ex'] },
  { externalId: 'keep-1', email: 'keep@example.com', consent: { ads: true } },
];
const EX_EMAIL_META = h('ex.person@example.com');
const HEX = /^[0-9a-f]{64}$/;
const TRACK = `mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted duplicates erased erasedEventIds } }`;
const pageView = (id: string, visitorId: string, profileExternalId?: string) => ({
  id,
  visitorId,
  ...(profileExternalId ? { profileExternalId } : {}),
  name: 'page_view',
  occurredAt: '2026-06-01T11:59:00.000Z',
  properties: { path: '/pricing', host: 'shop.example', url: 'https://shop.example/pricing' },
  tags: [],
});

describeEachDatabase('erasure', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let vipId: string;
  let exId: string;
  const full: Record<string, ExportView> = {};
  const count = async (query: ReturnType<typeof sql>) => (await suite.db.execute<{ n: number }>(query)).rows[0]!.n;
  const postEdge = (events: unknown[]) =>
    api.fetch('/v1/edge/events', { method: 'POST', key: ws.keys.edge, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Erasure');
    const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, PEOPLE, NOW);
    exId = profiles[0]!.id;
    const segments = new SegmentService(suite.db, ws.workspaceId, () => NOW);
    vipId = (await segments.create({ slug: 'vip', name: 'VIP', type: 'static' })).id;
    await segments.addToStatic(vipId, profiles.map((p) => p.id));
    api = await startTestApi(suite.db, () => NOW);
    const purchase = { eventId: 'o-1', externalId: EX, name: 'purchase', properties: { revenue: 5 }, timestamp: '2026-05-01T10:00:00Z' };
    expect(dataOf(await api.gql(TRACK, { events: [purchase] }, ws.keys.ingest)).trackEvents.accepted).toBe(1);
    for (const [destination, format] of [['META', 'CSV'], ['GOOGLE', 'JSONL'], ['GENERIC', 'JSONL']] as const) {
      const { view, text } = await exportFile(api, ws.keys.editor, vipId, destination, format, 'FULL');
      expect(text).toContain(EX_EMAIL_META);
      full[destination] = view;
    }
  });
  afterAll(() => api?.close());

  it('deletes the profile, its events, memberships, visitor ids, identifiers and export rows at once', async () => {
    expect(dataOf(await api.gql(`mutation { deleteProfile(externalId: "${EX}") { id } }`, {}, ws.keys.admin)).deleteProfile.id).toBe(exId);
    expect(codeOf(await api.gql(`{ profile(externalId: "${EX}") { id } }`, {}, ws.keys.viewer))).toBe('NOT_FOUND');
    for (const table of ['profiles', 'events', 'segment_members', 'profile_visitors', 'profile_export_identifiers', 'audience_export_rows']) {
      const column = table === 'profiles' ? 'id' : 'profile_id';
      expect(await count(sql`select count(*)::int as n from ${sql.raw(table)} where ${sql.raw(column)} = ${exId}`), table).toBe(0);
    }
  });

  it('old FULL downloads no longer hold the person: no hash, no raw EXTERN_ID, row counts lowered', async () => {
    for (const destination of ['META', 'GOOGLE', 'GENERIC']) {
      const view = full[destination]!;
      const response = await api.fetch(view.downloadUrl, { key: ws.keys.editor });
      const text = await response.text();
      for (const trace of [EX, EX_EMAIL_META, MADID, exId, 'v-ex']) expect(text, `${destination} ${trace}`).not.toContain(trace);
      expect(text).toContain(destination === 'GOOGLE' ? h('keep@example.com') : 'keep-1');
      const { audienceExport } = dataOf(await api.gql(`query($id: ID!) { audienceExport(id: $id) { rowCount } }`, { id: view.id }, ws.keys.editor));
      expect(audienceExport.rowCount).toBe(view.rowCount - 1);
    }
  });

  it('the tombstone is a keyed hash: no table holds the external id, its plain SHA-256 or a raw identifier', async () => {
    const tombstones = await suite.db.execute<Record<string, unknown>>(sql`select * from profile_tombstones where workspace_id = ${ws.workspaceId}`);
    expect(tombstones.rows).toHaveLength(1);
    expect(tombstones.rows[0]!.external_id_hmac).toMatch(HEX);
    const pending = await suite.db.execute<Record<string, unknown>>(sql`select * from export_erasure_removals where workspace_id = ${ws.workspaceId}`);
    expect(pending.rows).toHaveLength(3);
    const stored = JSON.stringify([tombstones.rows, pending.rows.filter((r) => r.destination !== 'GENERIC')]);
    for (const trace of [EX, h(EX), MADID, 'v-ex', exId, 'ex.person']) expect(stored).not.toContain(trace);
  });

  it('edge page views and trackEvents for the erased externalId are refused per item and create nothing', async () => {
    const edge = await postEdge([pageView('pv-1', 'v-ex', EX), pageView('pv-2', 'v-other')]);
    expect(edge.status).toBe(202);
    expect(await edge.json()).toEqual({ accepted: 1, duplicates: 0, erased: 1, erasedEventIds: ['pv-1'], rejected: [] });
    const events = [
      { eventId: 'o-2', externalId: EX, name: 'purchase', properties: { revenue: 9 }, timestamp: '2026-05-30T10:00:00Z' },
      { eventId: 'o-3', externalId: 'keep-1', name: 'purchase', properties: { revenue: 3 }, timestamp: '2026-05-30T10:00:00Z' },
    ];
    expect(dataOf(await api.gql(TRACK, { events }, ws.keys.ingest)).trackEvents).toEqual({ accepted: 1, duplicates: 0, erased: 1, erasedEventIds: ['o-2'] });
    expect(codeOf(await api.gql(`{ profile(externalId: "${EX}") { id } }`, {}, ws.keys.viewer))).toBe('NOT_FOUND');
    expect(await count(sql`select count(*)::int as n from profile_visitors where workspace_id = ${ws.workspaceId} and visitor_id = 'v-ex'`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from events where workspace_id = ${ws.workspaceId} and event_id in ('o-2', 'edge:pv-1')`)).toBe(0);
  });

  it('the next DELTA to each destination carries one removal with hashed identifiers only; then nothing', async () => {
    const meta = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA');
    const [, ...metaRows] = parseCsv(meta.text);
    expect(metaRows).toEqual([['remove', EX_EMAIL_META, h('16502530000'), h('ex'), h('person'), '', '', h('94043'), h('us'), '', '']]);
    expect(meta.view.rowCount).toBe(1);

    const google = parseJsonl((await exportFile(api, ws.keys.editor, vipId, 'GOOGLE', 'JSONL', 'DELTA')).text);
    expect(google).toEqual([{ action: 'remove', Email: EX_EMAIL_META, Phone: h('+16502530000'), 'First Name': h('ex'), 'Last Name': h('person'), Country: null, Zip: null }]);

    const generic = await exportFile(api, ws.keys.editor, vipId, 'GENERIC', 'JSONL', 'DELTA');
    expect(parseJsonl(generic.text)).toEqual([
      { action: 'remove', profile_id: exId, external_id: null, visitor_ids: [], email_sha256: EX_EMAIL_META, phone_sha256: h('+16502530000'), segment: 'vip', joined_at: null },
    ]);
    for (const text of [meta.text, JSON.stringify(google), generic.text]) {
      for (const trace of [EX, MADID, 'v-ex', '94043']) expect(text).not.toContain(trace);
    }
    for (const row of [...metaRows.map((r) => r.slice(1)), ...google.map((r) => Object.values(r).slice(1))]) {
      for (const cell of row) if (cell !== '' && cell !== null) expect(cell).toMatch(HEX);
    }

    const again = await exportFile(api, ws.keys.editor, vipId, 'META', 'CSV', 'DELTA');
    expect(again.text).toBe('action,EMAIL,PHONE,FN,LN,CT,ST,ZIP,COUNTRY,MADID,EXTERN_ID\r\n');
    // Sent once: the removal is gone from the DELTA that carried it and from the pending records.
    const carrier = await (await api.fetch(meta.view.downloadUrl, { key: ws.keys.editor })).text();
    expect(carrier).not.toContain(EX_EMAIL_META);
    expect(await count(sql`select count(*)::int as n from export_erasure_removals where workspace_id = ${ws.workspaceId} and destination = 'META'`)).toBe(0);
    const googleAgain = await exportFile(api, ws.keys.editor, vipId, 'GOOGLE', 'JSONL', 'DELTA');
    expect(googleAgain.text).toBe('');
  });

  it('only an explicit upsertProfile creates the person again, and lifts the tombstone', async () => {
    const { upsertProfile } = dataOf(await api.gql(`mutation { upsertProfile(input: { externalId: "${EX}", email: "new@example.com" }) { id externalId } }`, {}, ws.keys.ingest));
    expect(upsertProfile.externalId).toBe(EX);
    expect(upsertProfile.id).not.toBe(exId);
    expect(await count(sql`select count(*)::int as n from profile_tombstones where workspace_id = ${ws.workspaceId}`)).toBe(0);
    const event = { eventId: 'o-4', externalId: EX, name: 'purchase', properties: { revenue: 1 }, timestamp: '2026-05-31T10:00:00Z' };
    expect(dataOf(await api.gql(TRACK, { events: [event] }, ws.keys.ingest)).trackEvents).toMatchObject({ accepted: 1, erased: 0 });
    expect(await (await postEdge([pageView('pv-3', 'v-ex', EX)])).json()).toMatchObject({ accepted: 1, erased: 0 });
  });

  it('an unknown profile is NOT_FOUND and leaves no tombstone', async () => {
    expect(codeOf(await api.gql(`mutation { deleteProfile(externalId: "nobody-here") { id } }`, {}, ws.keys.admin))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(`mutation { deleteProfile { id } }`, {}, ws.keys.admin))).toBe('BAD_USER_INPUT');
    expect(await count(sql`select count(*)::int as n from profile_tombstones where workspace_id = ${ws.workspaceId}`)).toBe(0);
  });
});
