import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { buildApiSchema, emitSchemaFile, printApiSchema, SCHEMA_SDL_PATH } from '../../../api/graphql/schema.js';
import { parse, validate } from '../../../api/graphql/graphql-js.js';
import { queryLimits } from '../../../api/graphql/limits.js';
import { FIELD_COSTS } from '../../../api/graphql/costs.js';
import { decodeCursor, encodeCursor } from '../../../api/graphql/connection.js';

describe('query limits', () => {
  const schema = buildApiSchema();

  it('prices only fields that exist (a renamed type would make its fields free)', () => {
    const missing = Object.keys(FIELD_COSTS).filter((key) => {
      const [typeName, field] = key.split('.') as [string, string];
      const type = schema.getType(typeName);
      return !(type && 'getFields' in type && field in type.getFields());
    });
    expect(missing).toEqual([]);
  });
  const problems = (query: string, depth: number, cost: number) => validate(schema, parse(query), [queryLimits(depth, cost)]).map((e) => e.message);

  it('counts depth through fragments, and leaves introspection alone', () => {
    const query = 'fragment E on Profile { events { edges { node { id } } } } { profiles { edges { node { ...E } } } }';
    expect(problems(query, 7, 1e9)).toEqual([]);
    expect(problems(query, 6, 1e9)).toEqual(['The query is nested 7 levels deep; the limit is 6']);
    expect(problems('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }', 2, 1e9)).toEqual([]);
  });

  const over = (cost: number, limit: number) => [`The query's cost is ${cost}; the limit is ${limit}: ask for fewer counts (aliases, sizes, previews) or smaller pages`];

  it('multiplies by page sizes, and by the cap when the size is a variable', () => {
    expect(problems('{ profiles(first: 10) { edges { node { id } } } }', 99, 1e9)).toEqual([]);
    expect(problems('{ profiles(first: 10) { edges { node { id } } } }', 99, 10)).toEqual(over(11, 10));
    expect(problems('query($n: Int) { profiles(first: $n) { edges { node { id } } } }', 99, 100)).toEqual(over(101, 100));
    // Nested pages multiply: 1 + 10 x (1 + 1 + 10 x 1).
    expect(problems('{ profiles(first: 10) { edges { node { events(first: 10) { edges { node { id } } } } } } }', 99, 100)).toEqual(over(121, 100));
  });

  it('charges counts and scans by field (api/graphql/costs.ts), every alias separately', () => {
    const previews = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: previewSegment(rule: {all: []}) { size }`).join(' ')} }`;
    expect(problems(previews(1), 99, 500)).toEqual([]);
    expect(problems(previews(2), 99, 999)).toEqual(over(1000, 999));
    // The 4,900 aliases: 2,450,000, 245 times the default budget.
    expect(validate(schema, parse(previews(4900)), [queryLimits()]).map((e) => e.message)).toEqual(over(2_450_000, 10_000));
    // Sizes, reachability, health and KPIs of every segment of a page; through a fragment too.
    const page = 'fragment S on Segment { size reachability { email } health { verdict } kpis(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { revenue } }';
    expect(problems(`${page} { segments(first: 20) { edges { node { ...S } } } }`, 99, 1e9)).toEqual([]);
    expect(problems(`${page} { segments(first: 20) { edges { node { ...S } } } }`, 99, 3800)).toEqual(over(1 + 20 * (1 + 20 + 20 + 100 + 50), 3800));
    expect(problems('{ segmentOverlap(segmentIds: ["a", "b"]) { pairs { jaccard } } }', 99, 499)).toEqual(over(500, 499));
    expect(problems('mutation { publishSegment(id: "x") { id size } }', 99, 519)).toEqual(over(520, 519));
  });
});

describe('schema.graphql', () => {
  it('is the SDL of the resolvers (a stale one is rewritten here and fails the run: commit it)', () => {
    const sdl = printApiSchema();
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_SDL_PATH, 'utf8');
    } catch {
      // not emitted yet
    }
    if (committed !== sdl) emitSchemaFile();
    // npm run schema:lint checked the committed file: it must be the schema the code serves.
    expect(committed === sdl, 'schema/schema.graphql was stale (now rewritten): run `npm run schema:lint` and commit it').toBe(true);
    for (const piece of ['type ProfileConnection', 'type PageInfo', 'type Profile {', 'enum SegmentKind {', 'upsertProfiles(', 'trackEvents(', 'createApiKey(']) expect(sdl).toContain(piece);
  });

  it('round-trips opaque cursors and refuses forged ones', () => {
    const position = { at: new Date('2026-01-02T03:04:05.678Z'), id: '3f1c2a4e-1b2c-4d5e-8f90-123456789abc' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor('eyJhIjoxfQ')).toThrow(/not a cursor/);
  });
});

describeEachDatabase('graphql endpoint', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'GraphQL');
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('answers introspection', async () => {
    const result = await api.gql('{ __schema { queryType { name } } }', {}, null);
    expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses queries beyond the cost budget', async () => {
    const costly = await api.gql('{ profiles(first: 100) { edges { node { events(first: 100) { edges { node { id name } } } } } } }', {}, ws.keys.viewer);
    expect(codeOf(costly)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(costly.errors![0]!.message).toMatch(/cost is \d+; the limit is 10000/);
    const viaVariable = await api.gql('query($n: Int) { profiles(first: $n) { edges { node { events(first: $n) { edges { node { id } } } } } } }', { n: 5 }, ws.keys.viewer);
    expect(codeOf(viaVariable)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf(await api.gql('{ profiles(first: 100) { edges { node { id traits events(first: 5) { edges { node { id } } } } } } }', {}, ws.keys.viewer))).toBeUndefined();
  });

  it('maps unknown fields and malformed JSON to client errors, with no internals', async () => {
    expect(codeOf(await api.gql('{ nope }', {}, ws.keys.viewer))).toBe('GRAPHQL_VALIDATION_FAILED');
    const response = await api.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ', key: ws.keys.viewer });
    expect(response.status).toBe(400);
    await response.body?.cancel();
  });

  it('refuses a plain GET query without a CSRF preflight header, runs one with it', async () => {
    const plain = await api.fetch('/graphql?query=%7Bworkspace%7Bid%7D%7D', { key: ws.keys.viewer });
    expect(plain.status).toBe(400);
    await plain.body?.cancel();
    const ok = await api.fetch('/graphql?query=%7Bworkspace%7Bid%7D%7D', { key: ws.keys.viewer, headers: { 'apollo-require-preflight': '1' } });
    expect(((await ok.json()) as any).data.workspace.id).toBe(ws.workspaceId);
  });

  it('serves the IDE at GET /graphql in a browser, every asset from this server (offline)', async () => {
    const page = await api.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html');
    const external = [...html.matchAll(/(?:src|href)=["'](https?:)?\/\/[^"']+/g)].map((m) => m[0]);
    expect(external).toEqual([]);
    const assets = [...html.matchAll(/(?:src|href)=["'](\/graphql\/static\/[^"']+)["']/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const response = await api.fetch(asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      await response.body?.cancel();
    }
    expect(dataOf(await api.gql('{ workspace { name } }', {}, ws.keys.viewer)).workspace.name).toBe('GraphQL');
  });
});
