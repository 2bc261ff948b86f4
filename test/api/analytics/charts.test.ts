/**
 * The SVG charts over REST on PGlite and PostgreSQL, rendered in headless Chromium: the picture has
 * the expected size and the expected colours; user text is escaped; bad input and keys are refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { CHART_COLOURS, heatColour } from '../../../api/analytics/charts.svg.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { renderSvg } from './chromium.js';
import { countColour } from './png.js';
import { seedProfiles, setSizeHistory, staticList } from './fixtures.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

describeEachDatabase('charts', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const ids: Record<string, string> = {};
  const get = (path: string, key: string | null = ws.keys.viewer) => api.fetch(path, { key });
  const svgOf = async (path: string) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    return response.text();
  };

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const p = await seedProfiles(suite.db, ws.workspaceId, 'c', 120);
    ids.a = await staticList(suite.db, ws.workspaceId, 'buyers', range(0, 100).map((i) => p[i]!));
    ids.b = await staticList(suite.db, ws.workspaceId, 'buyers-too', range(2, 102).map((i) => p[i]!));
    ids.c = await staticList(suite.db, ws.workspaceId, 'others', range(100, 120).map((i) => p[i]!));
    await new SegmentService(suite.db, ws.workspaceId).update({ id: ids.a, expectedVersion: 1, name: 'Buyers <script>alert("x")</script> & co' });
    await setSizeHistory(suite.db, ws.workspaceId, ids.a, [{ at: daysAgo(30), size: 40 }, { at: daysAgo(20), size: 80 }, { at: daysAgo(5), size: 100 }]);
    api = await startTestApi(suite.db);
  });
  afterAll(async () => api?.close());

  it('draws the size history as a line chart that Chromium renders', async () => {
    const svg = await svgOf(`/v1/segments/${ids.a}/charts/size-history.svg`);
    expect(svg).toContain('Buyers &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(svg).not.toContain('<script');
    const image = await renderSvg(svg, 720, 360);
    expect([image.width, image.height]).toEqual([720, 360]);
    expect(countColour(image, CHART_COLOURS.line)).toBeGreaterThan(1000);
    expect(countColour(image, CHART_COLOURS.area)).toBeGreaterThan(20_000);
    expect(countColour(image, '#ffffff')).toBeGreaterThan(50_000);
  });

  it('says so when no size was recorded', async () => {
    await setSizeHistory(suite.db, ws.workspaceId, ids.c!, []);
    const svg = await svgOf(`/v1/segments/${ids.c}/charts/size-history.svg`);
    expect(svg).toContain('No size recorded yet');
  });

  it('draws the overlap heatmap, outlining the pair to merge', async () => {
    const svg = await svgOf(`/v1/analytics/overlap.svg?segments=${ids.a},${ids.b},${ids.c}`);
    const image = await renderSvg(svg, 380, 272);
    expect([image.width, image.height]).toEqual([380, 272]);
    const twin = heatColour(98 / 102);
    expect(countColour(image, twin, 3)).toBeGreaterThan(2 * 30 * 30);
    expect(countColour(image, CHART_COLOURS.low, 3)).toBeGreaterThan(4 * 30 * 30);
    expect(countColour(image, CHART_COLOURS.self, 3)).toBeGreaterThan(3 * 30 * 30);
    expect(countColour(image, CHART_COLOURS.merge, 20)).toBeGreaterThan(200);
  });

  it('refuses bad input, unknown segments and keys without a read role', async () => {
    expect((await get(`/v1/analytics/overlap.svg?segments=${ids.a}`)).status).toBe(400);
    expect((await get(`/v1/analytics/overlap.svg?segments=${Array.from({ length: 21 }, () => randomUUID()).join(',')}`)).status).toBe(400);
    expect((await get(`/v1/analytics/overlap.svg?segments=${ids.a},${randomUUID()}`)).status).toBe(404);
    expect((await get(`/v1/segments/${randomUUID()}/charts/size-history.svg`)).status).toBe(404);
    expect((await get(`/v1/segments/${ids.a}/charts/size-history.svg`, null)).status).toBe(401);
    const forbidden = await get(`/v1/segments/${ids.a}/charts/size-history.svg`, ws.keys.edge);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});
