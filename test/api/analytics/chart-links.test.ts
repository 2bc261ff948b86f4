/**
 * Chart links a browser opens without an API key (chartLink), over the real HTTP server on PGlite
 * and PostgreSQL: the link opens the chart it was made for and nothing else; a changed path, segment
 * list, workspace or signature, an expired link and a revoked key are refused (401) with a message
 * saying why; roles that may not read charts get no link.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { seedProfiles, staticList } from './fixtures.js';

const LINK = 'query($chart: ChartKind!, $ids: [ID!]!) { chartLink(chart: $chart, segmentIds: $ids) { url expiresAt } }';

describeEachDatabase('chart links', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let other: TestWorkspace;
  const ids: Record<string, string> = {};
  const link = async (chart: string, segmentIds: string[], key = ws.keys.viewer) => dataOf(await api.gql(LINK, { chart, ids: segmentIds }, key)).chartLink as { url: string; expiresAt: string };
  const open = (url: string) => fetch(url); // a browser: no Authorization header

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Links');
    other = await createTestWorkspace(suite.db, 'Other');
    const p = await seedProfiles(suite.db, ws.workspaceId, 'l', 30);
    ids.a = await staticList(suite.db, ws.workspaceId, 'alpha', p.slice(0, 20));
    ids.b = await staticList(suite.db, ws.workspaceId, 'beta', p.slice(10, 30));
    ids.c = await staticList(suite.db, ws.workspaceId, 'gamma', p.slice(0, 5));
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('opens the size history and the overlap in a browser, without a key', async () => {
    const history = await link('SIZE_HISTORY', [ids.a!]);
    expect(history.url.startsWith(`${api.url}/v1/segments/${ids.a}/charts/size-history.svg?`)).toBe(true);
    expect(Date.parse(history.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const shown = await open(history.url);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(await shown.text()).toContain('<svg');
    const overlap = await link('OVERLAP', [ids.a!, ids.b!]);
    const heatmap = await open(overlap.url);
    expect(heatmap.status).toBe(200);
    expect(await heatmap.text()).toContain('alpha');
  });

  it('opens nothing but the chart it was made for', async () => {
    const history = await link('SIZE_HISTORY', [ids.a!]);
    const refused = async (url: string, message: RegExp) => {
      const response = await open(url);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
    };
    await refused(history.url.replace(ids.a!, ids.c!), /signature does not match/);
    const overlap = await link('OVERLAP', [ids.a!, ids.b!]);
    await refused(overlap.url.replace(`segments=${ids.a},${ids.b}`, `segments=${ids.a},${ids.c}`), /signature does not match/);
    await refused(history.url.replace(/workspace=[^&]+/, `workspace=${other.workspaceId}`), /signature does not match/);
    await refused(history.url.replace(/signature=[^&]+/, 'signature=AAAA'), /signature does not match/);
    await refused(history.url.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 3600}`), /signature does not match/);
    await refused(history.url.replace(/&key=[^&]+/, ''), /incomplete/);
    // Without a link or a key the chart is still refused.
    expect((await open(history.url.split('?')[0]!)).status).toBe(401);
  });

  it('expires, and dies with the key that made it', async () => {
    const later = await startTestApi(suite.db, () => new Date(Date.now() + 16 * 60_000));
    try {
      const history = await link('SIZE_HISTORY', [ids.a!]);
      const response = await fetch(history.url.replace(api.url, later.url));
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/expired/);
    } finally {
      await later.close();
    }
    const created = dataOf(await api.gql('mutation { createApiKey(name: "chart viewer", role: VIEWER) { key apiKey { id } } }', {}, ws.keys.admin)).createApiKey;
    const own = await link('SIZE_HISTORY', [ids.a!], created.key);
    expect((await open(own.url)).status).toBe(200);
    dataOf(await api.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.apiKey.id }, ws.keys.admin));
    const revoked = await open(own.url);
    expect(revoked.status).toBe(401);
    expect(await revoked.text()).toMatch(/revoked/);
  });

  it('gives no link to roles that may not read charts, nor for bad segment lists', async () => {
    for (const key of [ws.keys.ingest, ws.keys.edge]) expect(codeOf(await api.gql(LINK, { chart: 'SIZE_HISTORY', ids: [ids.a] }, key))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(LINK, { chart: 'SIZE_HISTORY', ids: [ids.a] }, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await api.gql(LINK, { chart: 'SIZE_HISTORY', ids: [ids.a, ids.b] }, ws.keys.viewer))).toBe('BAD_USER_INPUT');
    expect(codeOf(await api.gql(LINK, { chart: 'OVERLAP', ids: [ids.a] }, ws.keys.viewer))).toBe('BAD_USER_INPUT');
    expect(codeOf(await api.gql(LINK, { chart: 'SIZE_HISTORY', ids: [ids.a] }, other.keys.viewer))).toBe('NOT_FOUND');
  });
});
