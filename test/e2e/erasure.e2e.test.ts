/**
 * End to end: erasure that stays erased (CONTRACT 4), through the real API (PGlite in memory, HTTP
 * on a free port) and the edge Worker in `wrangler dev`. A person in a profile-scoped segment is
 * exported (META, GOOGLE), identified at the Worker and tagged with that segment; after
 * `deleteProfile` the Worker drops the segment (and the identity) within MEMBERSHIP_TTL_SECONDS,
 * its further reports never re-create the profile, the old FULL files no longer hold the person,
 * the next DELTA carries one hashed-only removal and the one after nothing; only an explicit
 * `upsertProfile` creates the person again.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../api/db/index.js';
import { sha256Hex as h } from '../../api/exports/normalise.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../api/harness.js';
import { exportFile, parseCsv, parseJsonl, type ExportView } from '../api/exports/export-helpers.js';
import { freePort, startWranglerDev, type WranglerDev } from '../../scripts/wrangler-dev.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const EX = 'ex-1';
const EX_EMAIL = h('ex.person@example.com');
const HEX = /^[0-9a-f]{64}$/;
/** The Worker's MEMBERSHIP_TTL_SECONDS here: the documented bound of an erasure at the edge. */
const MEMBERSHIP_TTL_S = 2;
const GOLD = 'e2e-gold'; // profile-scoped: traits.tier = gold
const PRICING = 'e2e-pricing'; // edge: page.path = /pricing
const GOLD_PRICING = 'e2e-gold-pricing'; // edge, referencing the profile segment
const PERSON = { externalId: EX, email: ' Ex.Person@Example.com', phone: '+1 650-253-0000', firstName: 'Ex', lastName: 'Person', country: 'US', postalCode: '94043', consent: { ads: true }, traits: { tier: 'gold' } };
const OTHER = { externalId: 'keep-1', email: 'keep@example.com', consent: { ads: true }, traits: { tier: 'gold' } };
// waitForMemberships: the identify step right after reads the memberships the upsert gives.
const UPSERT = 'mutation($input: ProfileInput!) { upsertProfile(input: $input, waitForMemberships: true) { id externalId } }';
const CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id scope } }';
const PUBLISH = 'mutation($id: ID!) { publishSegment(id: $id) { status } }';
const PAGE_VIEWS = `query($x: String!) { profile(externalId: $x) { id visitorIds events(name: "page_view", first: 100) { edges { node { eventId } } } } }`;

let opened: OpenedDatabase;
let api: TestApi;
let ws: TestWorkspace;
let edge: WranglerDev;
let goldId: string;
const previousIdentifySecret = process.env.IDENTIFY_SECRET;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `stepMs` until it answers a value other than undefined, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}

async function publish(slug: string, rule: unknown, scope: 'EDGE' | 'PROFILE'): Promise<string> {
  const created = dataOf(await api.gql(CREATE, { input: { slug, name: slug, rule, type: 'DYNAMIC' } }, ws.keys.editor)).createSegment;
  expect(created.scope).toBe(scope);
  expect(dataOf(await api.gql(PUBLISH, { id: created.id }, ws.keys.editor)).publishSegment.status).toBe('PUBLISHED');
  return created.id;
}

const count = async (query: ReturnType<typeof sql>) => (await opened.db.execute<{ n: number }>(query)).rows[0]!.n;
const profilesNamedEx = () => count(sql`select count(*)::int as n from profiles where workspace_id = ${ws.workspaceId} and external_id = ${EX}`);

/** An identify token for `externalId` issued by the API, as the site's backend would get it. */
async function issueToken(externalId: string): Promise<string> {
  return dataOf(await api.gql(`mutation($x: String!) { issueIdentifyToken(externalId: $x, ttlSeconds: 600) { token } }`, { x: externalId }, ws.keys.editor)).issueIdentifyToken.token;
}

/** A visitor of the Worker: keeps the `ae_vid` cookie the Worker sets, like a browser. */
class Visitor {
  cookie = '';
  private keep(response: Response): void {
    const set = response.headers.getSetCookie().find((c) => c.startsWith('ae_vid='));
    if (set) this.cookie = set.split(';')[0]!;
  }
  /** The signed payload of the cookie (what it says about the visitor), without the signature. */
  get payload(): string {
    return decodeURIComponent(this.cookie.slice('ae_vid='.length, this.cookie.lastIndexOf('.')));
  }
  async tag(path: string): Promise<{ visitorId: string; tags: string[] }> {
    const response = await fetch(`${edge.url}/v1/tag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': IPHONE, ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify({ url: `https://shop.example${path}` }),
    });
    expect(response.status).toBe(200);
    this.keep(response);
    return (await response.json()) as { visitorId: string; tags: string[] };
  }
  async identify(token: string): Promise<{ identified: boolean; segments: string[] }> {
    const response = await fetch(`${edge.url}/v1/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify({ token }),
    });
    expect(response.status).toBe(200);
    this.keep(response);
    return (await response.json()) as { identified: boolean; segments: string[] };
  }
}

beforeAll(async () => {
  const identifySecret = randomBytes(24).toString('base64url');
  process.env.IDENTIFY_SECRET = identifySecret; // the API signs identify tokens with it (issueIdentifyToken)
  opened = await openDatabase({ driver: 'pglite', dataDir: 'memory://' });
  api = await startTestApi(opened.db);
  ws = await createTestWorkspace(opened.db, 'E2E erasure');
  dataOf(await api.gql(`mutation { defineTrait(name: "tier", type: STRING) { id } }`, {}, ws.keys.editor));
  for (const input of [PERSON, OTHER]) dataOf(await api.gql(UPSERT, { input }, ws.keys.ingest));
  goldId = await publish(GOLD, { attr: 'traits.tier', op: 'eq', value: 'gold' }, 'PROFILE');
  await publish(PRICING, { attr: 'page.path', op: 'eq', value: '/pricing' }, 'EDGE');
  await publish(GOLD_PRICING, { all: [{ segment: GOLD }, { attr: 'page.path', op: 'eq', value: '/pricing' }] }, 'EDGE');
  edge = await startWranglerDev({
    port: await freePort(),
    inspectorPort: await freePort(),
    logLevel: 'warn',
    vars: {
      API_URL: api.url,
      EDGE_API_KEY: ws.keys.edge,
      COOKIE_SECRET: randomBytes(24).toString('base64url'),
      IDENTIFY_SECRET: identifySecret,
      MEMBERSHIP_TTL_SECONDS: String(MEMBERSHIP_TTL_S),
      REPORT_BATCH_MS: '200',
    },
  });
});

afterAll(async () => {
  await edge?.stop();
  await api?.close();
  await opened?.close();
  if (previousIdentifySecret === undefined) delete process.env.IDENTIFY_SECRET;
  else process.env.IDENTIFY_SECRET = previousIdentifySecret;
});

describe('erasure through wrangler dev, the real API and the exports', () => {
  const full: Record<'META' | 'GOOGLE', ExportView> = {} as never;
  const visitor = new Visitor();
  let exId = '';
  let visitorId = '';
  /** Issued before the erasure and still valid after it (as a page open in a tab would hold it). */
  let oldToken = '';

  it('exports the person in FULL files to META and GOOGLE', async () => {
    for (const [destination, format] of [['META', 'CSV'], ['GOOGLE', 'JSONL']] as const) {
      const { view, text } = await exportFile(api, ws.keys.editor, goldId, destination, format, 'FULL');
      expect(view.rowCount).toBe(2);
      expect(text).toContain(EX_EMAIL);
      expect(text).toContain(h('keep@example.com'));
      full[destination] = view;
    }
    expect((await api.fetch(full.META.downloadUrl, { key: ws.keys.editor }).then((r) => r.text()))).toContain(EX);
  });

  it('identifies the visitor at the Worker, tags it with the profile segment and reports its page views', async () => {
    visitorId = (await visitor.tag('/')).visitorId;
    oldToken = await issueToken(EX);
    expect(await visitor.identify(oldToken)).toMatchObject({ identified: true, segments: [GOLD] });
    expect(visitor.payload).toContain(EX);
    const { tags } = await visitor.tag('/pricing');
    expect(tags.sort()).toEqual([GOLD, GOLD_PRICING, PRICING]);
    expect((await visitor.tag('/')).tags).toEqual([GOLD]);
    // The identified views (and the anonymous one before, through the visitor id) reach the person.
    const profile = await waitFor('page views of ex-1 at the API', async () => {
      const result = dataOf(await api.gql(PAGE_VIEWS, { x: EX }, ws.keys.viewer)).profile;
      return result.events.edges.length >= 3 ? result : undefined;
    });
    exId = profile.id;
    expect(profile.visitorIds).toEqual([visitorId]);
  });

  it(`after deleteProfile the Worker drops the segment within MEMBERSHIP_TTL_SECONDS (${MEMBERSHIP_TTL_S} s)`, async () => {
    expect(dataOf(await api.gql(`mutation($x: String!) { deleteProfile(externalId: $x) { id externalIdHash } }`, { x: EX }, ws.keys.admin)).deleteProfile).toMatchObject({ id: exId, externalIdHash: expect.stringMatching(HEX) });
    const erased = performance.now();
    // Nothing of them is left: their page views (the one before identification included) and profile.
    expect(await count(sql`select count(*)::int as n from events where workspace_id = ${ws.workspaceId}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from profiles where workspace_id = ${ws.workspaceId} and external_id is null`)).toBe(0);
    const tags = await waitFor('the erased segment gone from the tags', async () => {
      const answer = await visitor.tag('/pricing');
      return answer.tags.includes(GOLD) ? undefined : answer.tags;
    }, MEMBERSHIP_TTL_S * 1000 + 10_000);
    const ms = performance.now() - erased;
    console.log(`deleteProfile -> erased segment gone from the edge's tags: ${(ms / 1000).toFixed(2)} s (MEMBERSHIP_TTL_SECONDS ${MEMBERSHIP_TTL_S}, polling every 100 ms)`);
    expect(ms).toBeLessThan(MEMBERSHIP_TTL_S * 1000 + 2000);
    expect(tags).toEqual([PRICING]); // the reference to the profile segment is false too
    expect(visitor.payload).not.toContain(EX); // the cookie forgot the identity
    expect((await visitor.tag('/')).visitorId).toBe(visitorId); // but not the visitor
  });

  it('further page views of that visitor are reported but do not create the profile again', async () => {
    for (const path of ['/after-1', '/after-2', '/pricing']) expect((await visitor.tag(path)).tags).not.toContain(GOLD);
    // Reported without the external id, they go to an anonymous profile of the visitor id.
    const anonymous = await waitFor('the page views after the erasure at the API', async () => {
      const { rows } = await opened.db.execute<{ profile_id: string; external_id: string | null; n: number }>(sql`
        select p.id as profile_id, p.external_id, count(*)::int as n
        from events e join profiles p on p.id = e.profile_id join profile_visitors v on v.profile_id = p.id
        where v.workspace_id = ${ws.workspaceId} and v.visitor_id = ${visitorId} and e.properties->>'path' in ('/after-1', '/after-2')
        group by p.id, p.external_id`);
      return rows[0]?.n === 2 ? rows[0] : undefined;
    });
    expect(anonymous.external_id).toBeNull();
    expect(anonymous.profile_id).not.toBe(exId);
    const gone = await api.gql(`query($x: String!) { profile(externalId: $x) { id } }`, { x: EX }, ws.keys.viewer);
    expect(gone.data).toBeNull();
    expect(codeOf(gone)).toBe('NOT_FOUND');
    expect(await profilesNamedEx()).toBe(0);
    expect(await count(sql`select count(*)::int as n from events where profile_id = ${exId}`)).toBe(0);
  });

  it('an identify token issued before the erasure brings nobody back', async () => {
    expect(codeOf(await api.gql(`mutation { issueIdentifyToken(externalId: "${EX}") { token } }`, {}, ws.keys.editor))).toBe('NOT_FOUND');
    // The Worker cannot tell erased from not created yet: it identifies, with no segment ...
    expect(await visitor.identify(oldToken)).toMatchObject({ identified: true, segments: [] });
    expect((await visitor.tag('/token-1')).tags).toEqual([]);
    // ... its reports carry the external id and are refused, and the identity goes within the TTL.
    await waitFor('the identity dropped again', async () => ((await visitor.tag('/')).tags, visitor.payload.includes(EX) ? undefined : true), MEMBERSHIP_TTL_S * 1000 + 10_000);
    await visitor.tag('/token-2');
    const pathsOfVisitor = async () =>
      (
        await opened.db.execute<{ path: string }>(sql`
          select e.properties->>'path' as path from events e join profile_visitors v on v.profile_id = e.profile_id
          where v.workspace_id = ${ws.workspaceId} and v.visitor_id = ${visitorId}`)
      ).rows.map((r) => r.path);
    await waitFor('the anonymous view after the drop at the API', async () => ((await pathsOfVisitor()).includes('/token-2') ? true : undefined));
    expect(await pathsOfVisitor()).not.toContain('/token-1');
    expect(await count(sql`select count(*)::int as n from events where workspace_id = ${ws.workspaceId} and properties->>'path' = '/token-1'`)).toBe(0);
    expect(await profilesNamedEx()).toBe(0);
  });

  it('the old FULL files download without the person', async () => {
    for (const destination of ['META', 'GOOGLE'] as const) {
      const text = await (await api.fetch(full[destination].downloadUrl, { key: ws.keys.editor })).text();
      expect(text).not.toContain(EX_EMAIL);
      expect(text).not.toContain(EX);
      expect(text).toContain(h('keep@example.com'));
      const { audienceExport } = dataOf(await api.gql(`query($id: ID!) { audienceExport(id: $id) { rowCount } }`, { id: full[destination].id }, ws.keys.editor));
      expect(audienceExport.rowCount).toBe(1);
    }
  });

  it('the next DELTA carries exactly one removal with hashed identifiers only; the one after, nothing', async () => {
    const meta = await exportFile(api, ws.keys.editor, goldId, 'META', 'CSV', 'DELTA');
    const [header, ...rows] = parseCsv(meta.text);
    expect(header).toEqual(['action', 'EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID', 'EXTERN_ID']);
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toBe('remove');
    expect(rows[0]![1]).toBe(EX_EMAIL);
    for (const cell of rows[0]!.slice(1)) if (cell !== '') expect(cell).toMatch(HEX);
    expect(meta.view.rowCount).toBe(1);

    const google = parseJsonl((await exportFile(api, ws.keys.editor, goldId, 'GOOGLE', 'JSONL', 'DELTA')).text);
    expect(google).toHaveLength(1);
    expect(google[0]).toMatchObject({ action: 'remove', Email: EX_EMAIL, Country: null, Zip: null });
    for (const [key, cell] of Object.entries(google[0]!)) if (key !== 'action' && cell !== null) expect(cell).toMatch(HEX);
    for (const text of [meta.text, JSON.stringify(google)]) {
      for (const trace of [EX, '94043', 'ex.person', exId, visitorId]) expect(text).not.toContain(trace);
    }

    expect((await exportFile(api, ws.keys.editor, goldId, 'META', 'CSV', 'DELTA')).text).toBe(`${header!.join(',')}\r\n`);
    expect((await exportFile(api, ws.keys.editor, goldId, 'GOOGLE', 'JSONL', 'DELTA')).text).toBe('');
  });

  it('an explicit upsertProfile creates the person again, and the Worker can identify it again', async () => {
    const { upsertProfile } = dataOf(await api.gql(UPSERT, { input: PERSON }, ws.keys.ingest));
    expect(upsertProfile.externalId).toBe(EX);
    expect(upsertProfile.id).not.toBe(exId);
    expect(await profilesNamedEx()).toBe(1);
    expect(await visitor.identify(await issueToken(EX))).toMatchObject({ identified: true, segments: [GOLD] });
    expect((await visitor.tag('/pricing')).tags.sort()).toEqual([GOLD, GOLD_PRICING, PRICING]);
    const back = await waitFor('a page view of the re-created ex-1', async () => {
      const result = dataOf(await api.gql(PAGE_VIEWS, { x: EX }, ws.keys.viewer)).profile;
      return result.events.edges.length >= 1 ? result : undefined;
    });
    expect(back.id).toBe(upsertProfile.id);
  });
});
