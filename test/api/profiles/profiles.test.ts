import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { profileTombstones, profiles } from '../../../drizzle/index.js';
import { tombstoneHash } from '../../../api/profiles/tombstones.js';
import { sha256Hex } from '../../../api/exports/normalise.js';

const UPSERT = `mutation($input: ProfileInput!) { upsertProfile(input: $input) {
  id externalId email phone phoneE164 country traits consent { email sms ads } visitorIds createdAt updatedAt } }`;
const UPSERT_MANY = `mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated profiles { externalId traits } } }`;
const UPSERT_MANY_IDS = `mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated profiles { id externalId } } }`;

describeEachDatabase('profiles', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let editor: string;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Profiles');
    editor = ws.keys.editor;
    for (const [name, type] of [['plan', 'string'], ['score', 'number'], ['vip', 'boolean'], ['renewal', 'date'], ['tags', 'stringList']] as const) {
      await defineTrait(suite.db, ws.workspaceId, name, type, null);
    }
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('creates a profile, normalises the phone to E.164 and the country to upper case', async () => {
    const input = { externalId: 'p-1', email: ' ann@example.com ', phone: '091 234 5678', country: 'vn', traits: { plan: 'pro', score: 7 }, consent: { email: true }, visitorIds: ['v-1'] };
    const { upsertProfile: p } = dataOf(await api.gql(UPSERT, { input }, editor));
    expect(p).toMatchObject({ externalId: 'p-1', email: 'ann@example.com', phone: '091 234 5678', phoneE164: '+84912345678', country: 'VN' });
    expect(p.traits).toEqual({ plan: 'pro', score: 7 });
    expect(p.consent).toEqual({ email: true, sms: false, ads: false });
    expect(p.visitorIds).toEqual(['v-1']);
  });

  it('is idempotent by externalId: merges traits, keeps omitted fields, null removes a trait', async () => {
    const first = dataOf(await api.gql(UPSERT, { input: { externalId: 'p-2', email: 'b@example.com', traits: { plan: 'free', score: 1, vip: true } } }, editor));
    const second = dataOf(await api.gql(UPSERT, { input: { externalId: 'p-2', traits: { plan: 'pro', vip: null, tags: ['a', 'b'] }, consent: { sms: true } } }, editor));
    expect(second.upsertProfile.id).toBe(first.upsertProfile.id);
    expect(second.upsertProfile.email).toBe('b@example.com');
    expect(second.upsertProfile.traits).toEqual({ plan: 'pro', score: 1, tags: ['a', 'b'] });
    expect(second.upsertProfile.consent.sms).toBe(true);
    const rows = await suite.db.select().from(profiles).where(eq(profiles.externalId, 'p-2'));
    expect(rows).toHaveLength(1);
  });

  it('rejects undeclared traits and wrongly typed values with their paths, writing nothing', async () => {
    const result = await api.gql(UPSERT_MANY, {
      inputs: [
        { externalId: 'ok-1', traits: { plan: 'pro' } },
        { externalId: 'bad-1', traits: { colour: 'red', score: 'high', renewal: '2026-02-30' } },
      ],
    }, editor);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = (result.errors![0]!.extensions!.problems as Array<{ path: string }>).map((p) => p.path);
    expect(paths).toEqual(['inputs[1].traits.colour', 'inputs[1].traits.score', 'inputs[1].traits.renewal']);
    expect(result.errors![0]!.message).toContain('inputs[1].traits.colour');
    const rows = await suite.db.select().from(profiles).where(eq(profiles.externalId, 'ok-1'));
    expect(rows).toHaveLength(0);
  });

  it('rejects a batch with duplicate externalIds, naming them', async () => {
    const result = await api.gql(UPSERT_MANY, { inputs: [{ externalId: 'd-1' }, { externalId: 'd-2' }, { externalId: 'd-1' }] }, editor);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toContain("'d-1'");
    expect(result.errors![0]!.message).toContain('inputs[0], inputs[2]');
  });

  it('rejects a bad country and a missing externalId', async () => {
    const result = await api.gql(UPSERT, { input: { externalId: ' ', country: 'Vietnam' } }, editor);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect((result.errors![0]!.extensions!.problems as Array<{ path: string }>).map((p) => p.path)).toEqual(['input.externalId', 'input.country']);
  });

  it('upserts a batch: counts created and updated, keeps the order', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => ({ externalId: `b-${i}`, traits: { score: i } }));
    const first = dataOf(await api.gql(UPSERT_MANY_IDS, { inputs }, ws.keys.ingest)).upsertProfiles;
    expect([first.created, first.updated]).toEqual([50, 0]);
    const again = dataOf(await api.gql(UPSERT_MANY_IDS, { inputs: [...inputs.slice(0, 10), { externalId: 'b-new' }] }, ws.keys.ingest)).upsertProfiles;
    expect([again.created, again.updated]).toEqual([1, 10]);
    // An ingest key gets ids back, not what it (or anyone) stored.
    expect(codeOf(await api.gql(UPSERT_MANY, { inputs: inputs.slice(0, 1) }, ws.keys.ingest))).toBe('FORBIDDEN');
    expect(again.profiles.map((p: { externalId: string }) => p.externalId).slice(0, 2)).toEqual(['b-0', 'b-1']);
  });

  it('reads a profile by id or externalId, and pages through profiles with opaque cursors', async () => {
    const { profile } = dataOf(await api.gql(`{ profile(externalId: "p-1") { id externalId } }`, {}, ws.keys.viewer));
    const byId = dataOf(await api.gql(`query($id: ID!) { profile(id: $id) { externalId } }`, { id: profile.id }, ws.keys.viewer));
    expect(byId.profile.externalId).toBe('p-1');
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const data: any = dataOf(await api.gql(`query($after: String) { profiles(first: 7, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`, { after }, ws.keys.viewer));
      seen.push(...data.profiles.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!data.profiles.pageInfo.hasNextPage) break;
      after = data.profiles.pageInfo.endCursor;
    }
    const total = await suite.db.select({ id: profiles.id }).from(profiles).where(eq(profiles.workspaceId, ws.workspaceId));
    expect(new Set(seen).size).toBe(total.length);
    expect(seen).toHaveLength(total.length);
  });

  it('answers BAD_USER_INPUT for a forged cursor or an oversized page, NOT_FOUND for an unknown profile', async () => {
    expect(codeOf(await api.gql(`{ profiles(after: "bm9wZQ") { edges { cursor } } }`, {}, ws.keys.viewer))).toBe('BAD_USER_INPUT');
    expect(codeOf(await api.gql(`{ profiles(first: 101) { edges { cursor } } }`, {}, ws.keys.viewer))).toBe('BAD_USER_INPUT');
    expect(codeOf(await api.gql(`{ profile(externalId: "nobody") { id } }`, {}, ws.keys.viewer))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(`{ profile(id: "not-a-uuid") { id } }`, {}, ws.keys.viewer))).toBe('NOT_FOUND');
    expect(codeOf(await api.gql(`{ profile { id } }`, {}, ws.keys.viewer))).toBe('BAD_USER_INPUT');
  });

  it('erases a profile: tombstone with the keyed hash of the externalId, row, events and visitor ids gone', async () => {
    const { upsertProfile } = dataOf(await api.gql(UPSERT, { input: { externalId: 'erase-me', email: 'e@example.com', visitorIds: ['v-erase'] } }, editor));
    dataOf(await api.gql(`mutation { trackEvents(events: [{ eventId: "e-erase", externalId: "erase-me", name: "purchase", properties: { revenue: 5 }, timestamp: "2026-01-01T00:00:00Z" }]) { accepted } }`, {}, editor));
    const { deleteProfile } = dataOf(await api.gql(`mutation { deleteProfile(externalId: "erase-me") { id externalIdHash } }`, {}, editor));
    const hmac = (await tombstoneHash(suite.db))('erase-me');
    expect(deleteProfile).toEqual({ id: upsertProfile.id, externalIdHash: hmac });
    // Keyed: not the plain SHA-256 anyone could recompute from a guessed id.
    expect(hmac).not.toBe(sha256Hex('erase-me'));
    const tombstones = await suite.db.select().from(profileTombstones).where(eq(profileTombstones.externalIdHmac, hmac));
    expect(tombstones).toHaveLength(1);
    expect(JSON.stringify(tombstones)).not.toContain('erase-me');
    expect(codeOf(await api.gql(`{ profile(externalId: "erase-me") { id } }`, {}, ws.keys.viewer))).toBe('NOT_FOUND');
    const counts = await suite.db.execute<{ e: number; v: number }>(
      sql`select (select count(*)::int from events where profile_id = ${upsertProfile.id}) as e,
        (select count(*)::int from profile_visitors where profile_id = ${upsertProfile.id}) as v`,
    );
    expect(counts.rows[0]).toEqual({ e: 0, v: 0 });
    expect(codeOf(await api.gql(`mutation { deleteProfile(externalId: "erase-me") { id } }`, {}, editor))).toBe('NOT_FOUND');
  });
});
