/**
 * The demo shop `npm start` serves (scripts/demo-page.ts), in a real headless Chromium, against the
 * Worker in `wrangler dev` and the real API: the visitor cookie is kept across three page views (one
 * visitor, not three), so the page history counts and the third view of /pricing is tagged a
 * pricing researcher (the demo's history segment: 3 views of /pricing in 30 days).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../api/db/index.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../api/harness.js';
import { DEMO_EDGE_SEGMENTS } from '../../api/seed/segments.js';
import { freePort, startWranglerDev, type WranglerDev } from '../../scripts/wrangler-dev.js';
import { startDemoPageServer, type DemoPageServer } from '../../scripts/demo-page.js';
import { openChromiumPage, type BrowserPage } from '../helpers/chromium-page.js';

const CREATE = 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }';
const PUBLISH = 'mutation($id: ID!) { publishSegment(id: $id) { status } }';
/** What the page shows once tag.js answered. */
const SHOWN = `new Promise((resolve) => {
  const read = () => ({ tags: window.audienceTags, visitor: document.getElementById('visitor').textContent, sales: !document.getElementById('sales').hidden });
  if (window.audienceTags) return resolve(read());
  document.addEventListener('audience:tags', () => resolve(read()));
})`;

let opened: OpenedDatabase;
let api: TestApi;
let ws: TestWorkspace;
let edge: WranglerDev;
let demo: DemoPageServer;
let browser: BrowserPage;

beforeAll(async () => {
  opened = await openDatabase({ driver: 'pglite', dataDir: 'memory://' });
  api = await startTestApi(opened.db);
  ws = await createTestWorkspace(opened.db, 'Demo page');
  for (const slug of ['pricing-researchers', 'black-friday-visitors']) {
    const segment = DEMO_EDGE_SEGMENTS.find((s) => s.slug === slug)!;
    const id = dataOf(await api.gql(CREATE, { input: { slug, name: segment.name, rule: segment.rule, type: 'DYNAMIC' } }, ws.keys.editor)).createSegment.id;
    expect(dataOf(await api.gql(PUBLISH, { id }, ws.keys.editor)).publishSegment.status).toBe('PUBLISHED');
  }
  const edgePort = await freePort();
  demo = await startDemoPageServer({ port: 0, edgeUrl: `http://127.0.0.1:${edgePort}` });
  edge = await startWranglerDev({
    port: edgePort,
    inspectorPort: await freePort(),
    logLevel: 'warn',
    vars: { API_URL: api.url, EDGE_API_KEY: ws.keys.edge, COOKIE_SECRET: randomBytes(24).toString('base64url'), ALLOWED_ORIGINS: demo.url },
  });
  browser = await openChromiumPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await demo?.close();
  await api?.close();
  await opened?.close();
});

it('keeps one visitor across three page views, and the third view of /pricing is tagged from the history', { timeout: 120_000 }, async () => {
  const views: Array<{ tags: string[]; visitor: string; sales: boolean }> = [];
  for (let i = 0; i < 3; i++) {
    await browser.goto(`${demo.url}/pricing`);
    views.push(await browser.evaluate(SHOWN));
  }
  expect(views[0]!.visitor).toMatch(/^[0-9a-f-]{36}$/);
  expect(views.map((v) => v.visitor)).toEqual([views[0]!.visitor, views[0]!.visitor, views[0]!.visitor]);
  expect(views.map((v) => v.tags.includes('pricing-researchers'))).toEqual([false, false, true]);
  expect(views.map((v) => v.sales)).toEqual([false, false, true]);
  const cookie = (await browser.cookies()).find((c) => c.name === 'ae_vid');
  expect(cookie?.domain).toBe('127.0.0.1');

  // A campaign link tags the same visitor with the campaign segment.
  await browser.goto(`${demo.url}/?utm_campaign=black-friday`);
  const campaign = await browser.evaluate<{ tags: string[]; visitor: string }>(SHOWN);
  expect(campaign.visitor).toBe(views[0]!.visitor);
  expect(campaign.tags).toContain('black-friday-visitors');
});
