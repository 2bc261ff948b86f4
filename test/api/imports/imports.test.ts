/**
 * Bulk import over a real HTTP server: both formats and types, bad lines reported by line number
 * with the good ones kept, hostile bodies, idempotent re-import, roles, and memberships right after.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { settleMemberships } from '../../helpers/memberships.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { events, profiles } from '../../../drizzle/index.js';
import { IMPORT_LIMITS } from '../../../api/imports/imports.service.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';

const lines = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describeEachDatabase('bulk import', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const send = async (type: string, body: string | Uint8Array, contentType = NDJSON, key: string | null = ws.keys.ingest, query = '') => {
    const response = await api.fetch(`/v1/imports/${type}${query}`, { method: 'POST', headers: { 'content-type': contentType }, body, key });
    return { status: response.status, body: (await response.json()) as any };
  };
  const profile = async (externalId: string) =>
    (await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, externalId))))[0];

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Imports');
    for (const [name, type] of [['plan', 'string'], ['score', 'number'], ['vip', 'boolean'], ['tags', 'stringList']] as const) {
      await defineTrait(suite.db, ws.workspaceId, name, type, null);
    }
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('imports NDJSON profiles: good lines kept, each bad line reported with its line number, path and message', async () => {
    const body = lines(
      { externalId: 'n-1', email: 'ann@example.com', phone: '091 234 5678', country: 'vn', traits: { plan: 'pro', score: 7 }, consent: { email: true } },
      '',
      { externalId: 'n-2', email: 'not-an-email' },
      '{"externalId": "n-3", "traits": {"plan": "free"}',
      { externalId: 'n-4', traits: { plann: 'pro' } },
      { externalId: 'n-5', nickname: 'x' },
      { externalId: 'n-6', firstName: 'Bad\u0000name' },
      '[1, 2]',
      { externalId: 'n-7', traits: { score: 'high' }, visitorIds: ['v-7'] },
      { externalId: 'n-8', firstName: 'B\\o\tx\\N', traits: { tags: ['a', 'b\\n'], vip: true } },
    );
    const { status, body: report } = await send('profiles', body);
    expect(status).toBe(207);
    expect(report).toMatchObject({ type: 'profiles', format: 'ndjson', status: 'done', linesRead: 10, accepted: 2, rejected: 7, created: 2 });
    expect(report.errors).toEqual([
      { line: 3, path: 'email', message: 'is not an e-mail address' },
      { line: 4, path: '', message: expect.stringMatching(/^is not valid JSON/) },
      { line: 5, path: 'traits.plann', message: "'plann' is not a declared trait: declare it with defineTrait first" },
      { line: 6, path: 'nickname', message: expect.stringMatching(/^is not a profile field/) },
      { line: 7, path: 'firstName', message: 'contains a NUL character (U+0000), which cannot be stored' },
      { line: 8, path: '', message: 'must be a JSON object' },
      { line: 9, path: 'traits.score', message: 'must be a number (declared as number)' },
    ]);
    expect(await profile('n-1')).toMatchObject({ email: 'ann@example.com', phoneE164: '+84912345678', country: 'VN', traits: { plan: 'pro', score: 7 }, consentEmail: true, consentSms: false });
    expect(await profile('n-8')).toMatchObject({ firstName: 'B\\o\tx\\N', traits: { tags: ['a', 'b\\n'], vip: true } });
    expect(await profile('n-2')).toBeUndefined();
    const shown = await api.fetch(`/v1/imports/${report.id}`, { key: ws.keys.editor });
    expect(await shown.json()).toEqual(report);
  });

  it('imports CSV profiles: traits typed by their declaration, consent columns, quoting, formula-looking text kept as text', async () => {
    const body = [
      'externalId,email,city,traits.plan,traits.score,traits.tags,consent.ads,firstName',
      'c-1,c1@example.com,"Hanoi, Ba Dinh",pro,12.5,a|b,yes,"=HYPERLINK(""http://x.example"",""click"")"',
      'c-2,,"Ho Chi',
      'Minh City",free,,,no,"say ""hi"""',
      'c-3,c3@example.com,Hue,pro,lots,,maybe,Chi',
      'c-4,c4@example.com,Hue',
      'c-5,"open,x,x,x,x,x,x',
    ].join('\r\n');
    const { status, body: report } = await send('profiles', body, CSV);
    expect(status).toBe(207);
    expect(report).toMatchObject({ format: 'csv', linesRead: 7, accepted: 2, rejected: 3 });
    expect(report.errors).toEqual([
      { line: 5, path: 'consent.ads', message: 'must be true or false (or yes/no, 1/0)' },
      { line: 5, path: 'traits.score', message: 'must be a number (declared as number)' },
      { line: 6, path: '', message: 'has 3 fields, the header has 8' },
      { line: 7, path: '', message: 'a quoted field is not closed at the end of the body' },
    ]);
    expect(await profile('c-1')).toMatchObject({ city: 'Hanoi, Ba Dinh', firstName: '=HYPERLINK("http://x.example","click")', traits: { plan: 'pro', score: 12.5, tags: ['a', 'b'] }, consentAds: true });
    expect(await profile('c-2')).toMatchObject({ email: null, city: 'Ho Chi\nMinh City', firstName: 'say "hi"', traits: { plan: 'free' }, consentAds: false });
  });

  it('refuses an unusable CSV header (undeclared trait, unknown column, no externalId) before reading any row', async () => {
    const { status, body } = await send('profiles', 'email,traits.plann,shoe\nx@example.com,pro,42\n', CSV);
    expect(status).toBe(400);
    expect(body.error.code).toBe('BAD_USER_INPUT');
    expect(body.error.problems.map((p: any) => p.path)).toEqual(['header[2]', 'header[3]', 'header']);
    expect(body.error.importId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await (await api.fetch(`/v1/imports/${body.error.importId}`, { key: ws.keys.ingest })).json();
    expect(failed).toMatchObject({ status: 'failed', failure: expect.stringContaining('The CSV header is not usable') });
  });

  it('folds lines of one externalId in file order: later fields replace, traits merge, null removes a trait', async () => {
    const body = lines(
      { externalId: 'd-1', email: 'old@example.com', traits: { plan: 'free', score: 1 } },
      { externalId: 'd-1', city: 'Hue', traits: { score: 2, vip: true } },
      { externalId: 'd-1', email: 'new@example.com', traits: { plan: null } },
    );
    expect((await send('profiles', body)).body).toMatchObject({ accepted: 3, created: 1 });
    expect(await profile('d-1')).toMatchObject({ email: 'new@example.com', city: 'Hue', traits: { score: 2, vip: true } });
    // A second import changes only what it sends; '' clears, null clears, an empty CSV cell keeps.
    await send('profiles', lines({ externalId: 'd-1', city: '', traits: { vip: null } }));
    await send('profiles', 'externalId,email,city\nd-1,,Da Nang\n', CSV);
    expect(await profile('d-1')).toMatchObject({ email: 'new@example.com', city: 'Da Nang', traits: { score: 2 } });
  });

  it('survives hostile bodies: an over-long line, invalid UTF-8 and a body that stops mid-line', async () => {
    const long = JSON.stringify({ externalId: 'h-long', firstName: 'x'.repeat(IMPORT_LIMITS.maxLineBytes) });
    const parts = [
      Buffer.from(lines({ externalId: 'h-1' }, long, { externalId: 'h-2' })),
      Buffer.from('{"externalId": "h-3", "city": "'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}\n'),
      Buffer.from(lines({ externalId: 'h-4' })),
      Buffer.from('{"externalId": "h-5", "ci'),
    ];
    const { body: report } = await send('profiles', Buffer.concat(parts));
    expect(report).toMatchObject({ status: 'done', linesRead: 6, accepted: 3, rejected: 3 });
    expect(report.errors).toEqual([
      { line: 2, path: '', message: `the line is longer than ${IMPORT_LIMITS.maxLineBytes} bytes` },
      { line: 4, path: '', message: 'the line is not valid UTF-8' },
      { line: 6, path: '', message: expect.stringMatching(/^is not valid JSON/) },
    ]);
    expect(await profile('h-4')).toBeDefined();
    expect(await profile('h-long')).toBeUndefined();
  });

  it('imports events (NDJSON and CSV) idempotently by event id: purchases recomputed, re-sending changes nothing', async () => {
    const body = lines(
      { eventId: 'e-1', externalId: 'buyer-1', name: 'purchase', properties: { revenue: 10 }, timestamp: '2026-05-01T10:00:00Z' },
      { eventId: 'e-2', externalId: 'buyer-1', name: 'purchase', properties: { revenue: 20 }, timestamp: '2026-05-11T10:00:00Z' },
      { eventId: 'e-2', externalId: 'buyer-1', name: 'purchase', properties: { revenue: 999 }, timestamp: '2026-05-11T10:00:00Z' },
      { eventId: 'e-3', externalId: 'buyer-1', name: 'purchase', properties: { revenue: 'ten' }, timestamp: '2026-05-12T10:00:00Z' },
      { eventId: 'e-4', externalId: 'buyer-1', name: 'page_view', timestamp: '2026-07-01T10:00:00Z' },
      { eventId: 'e-5', profileId: '00000000-0000-4000-8000-000000000000', name: 'signup', timestamp: '2026-05-01T10:00:00Z' },
    );
    const first = await send('events', body);
    expect(first.body).toMatchObject({ accepted: 3, rejected: 3, duplicates: 1, created: 1 });
    expect(first.body.errors).toEqual([
      { line: 4, path: 'properties.revenue', message: 'must be a number (the purchase amount)' },
      { line: 5, path: 'timestamp', message: 'lies more than a day in the future' },
      { line: 6, path: 'profileId', message: 'no profile with id 00000000-0000-4000-8000-000000000000' },
    ]);
    const csv = ['eventId,externalId,name,timestamp,properties.revenue:number,properties.sku', 'e-6,buyer-1,purchase,2026-05-21T10:00:00Z,5.5,"A,1"', 'e-7,buyer-2,signup,2026-05-21T10:00:00Z,,'].join('\n');
    expect((await send('events', csv, CSV)).body).toMatchObject({ accepted: 2, rejected: 0, created: 1 });
    const again = await send('events', body);
    expect(again.body).toMatchObject({ accepted: 3, duplicates: 3, created: 0 });
    expect((await send('events', csv, CSV)).body).toMatchObject({ accepted: 2, duplicates: 2 });
    expect(await profile('buyer-1')).toMatchObject({ purchaseCount: 3, purchaseTotal: 35.5 });
    const stored = await suite.db.select({ n: sql<number>`count(*)::int` }).from(events).where(eq(events.workspaceId, ws.workspaceId));
    expect(stored[0]!.n).toBe(4);
    const [sku] = await suite.db.select({ p: events.properties }).from(events).where(and(eq(events.workspaceId, ws.workspaceId), eq(events.eventId, 'e-6')));
    expect(sku!.p).toEqual({ revenue: 5.5, sku: 'A,1' });
  });

  it('refuses events of an erased person line by line; an explicit profile import brings them back', async () => {
    await send('profiles', lines({ externalId: 'gone' }));
    const erase = await api.gql(`mutation { deleteProfile(externalId: "gone") { id } }`, {}, ws.keys.admin);
    dataOf(erase);
    const body = lines({ eventId: 'g-1', externalId: 'gone', name: 'signup', timestamp: '2026-05-01T10:00:00Z' }, { eventId: 'g-2', externalId: 'other', name: 'signup', timestamp: '2026-05-01T10:00:00Z' });
    const refused = await send('events', body);
    expect(refused.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(refused.body.errors).toEqual([{ line: 1, path: 'externalId', message: expect.stringContaining('was erased') }]);
    expect(await profile('gone')).toBeUndefined();
    expect((await send('profiles', lines({ externalId: 'gone', email: 'back@example.com' }))).body).toMatchObject({ created: 1 });
    expect((await send('events', body)).body).toMatchObject({ accepted: 2, rejected: 0 });
  });

  it('answers memberships of imported profiles once their dirty marks are evaluated', async () => {
    const rule = { attr: 'traits.plan', op: 'eq', value: 'enterprise' };
    const created = dataOf(await api.gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input: { slug: 'enterprise', name: 'Enterprise', rule } }, ws.keys.admin));
    dataOf(await api.gql('mutation($id: ID!) { publishSegment(id: $id) { id } }', { id: created.createSegment.id }, ws.keys.admin));
    const rows = Array.from({ length: 30 }, (_, i) => ({ externalId: `m-${i}`, traits: { plan: i % 3 === 0 ? 'enterprise' : 'pro' } }));
    await send('profiles', lines(...rows));
    // The import marks its profiles dirty; the API's evaluator takes them up (here: drained at once).
    await settleMemberships(suite.db);
    const size = await api.gql(`query { segment(slug: "enterprise") { size } }`, {}, ws.keys.viewer);
    expect((dataOf(size) as any).segment.size).toBe(10);
    const memberships = await api.fetch('/v1/profiles/m-3/memberships', { key: ws.keys.edge });
    expect(((await memberships.json()) as { segments: string[] }).segments).toEqual(['enterprise']);
  });

  it('lets admin, editor and ingest import; refuses viewer, edge, no key, a wrong content type and a foreign import id', async () => {
    for (const role of ['admin', 'editor', 'ingest'] as const) expect((await send('profiles', lines({ externalId: `r-${role}` }), NDJSON, ws.keys[role])).status).toBe(200);
    for (const role of ['viewer', 'edge'] as const) {
      const { status, body } = await send('profiles', lines({ externalId: 'r-x' }), NDJSON, ws.keys[role]);
      expect([status, body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await send('profiles', lines({ externalId: 'r-x' }), NDJSON, null)).status).toBe(401);
    expect((await send('profiles', '{}', 'application/json')).body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content-type' });
    expect((await send('people', lines({ externalId: 'r-x' }))).status).toBe(404);
    expect(await profile('r-x')).toBeUndefined();
    const mine = await send('profiles', lines({ externalId: 'r-y' }));
    const other = await createTestWorkspace(suite.db, 'Other');
    expect((await api.fetch(`/v1/imports/${mine.body.id}`, { key: other.keys.admin })).status).toBe(404);
    expect((await api.fetch(`/v1/imports/${mine.body.id}`, { key: ws.keys.viewer })).status).toBe(403);
  });
});
