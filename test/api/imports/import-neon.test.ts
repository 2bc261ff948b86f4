/**
 * Bulk import on the Neon serverless driver, whose client has no COPY: the staging tables are
 * filled by one INSERT ... SELECT from json_populate_recordset per chunk (api/imports/staging.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { profiles } from '../../../drizzle/index.js';
import { stagingPath } from '../../../api/imports/staging.js';

describeEachDatabase(
  'bulk import without COPY',
  (suite) => {
    let api: TestApi;
    let ws: TestWorkspace;
    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Neon imports');
      await defineTrait(suite.db, ws.workspaceId, 'plan', 'string', null);
      api = await startTestApi(suite.db);
    });
    afterAll(() => api?.close());

    it('stages by JSON and merges profiles and events with their line errors', async () => {
      expect(await suite.db.transaction(async (tx) => stagingPath(tx))).toBe('json');
      const post = async (type: string, body: string, contentType: string) =>
        (await (await api.fetch(`/v1/imports/${type}`, { method: 'POST', headers: { 'content-type': contentType }, body, key: ws.keys.ingest })).json()) as Record<string, unknown>;
      const csv = 'externalId,city,traits.plan\nnx-1,"Tab\there, ""quoted""\\back",pro\nnx-2,,plan-b\n';
      expect(await post('profiles', csv, 'text/csv')).toMatchObject({ accepted: 2, rejected: 0, created: 2 });
      const [row] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, ws.workspaceId), eq(profiles.externalId, 'nx-1')));
      expect(row).toMatchObject({ city: 'Tab\there, "quoted"\\back', traits: { plan: 'pro' } });
      const events = ['{"eventId":"nx-e1","externalId":"nx-1","name":"purchase","properties":{"revenue":3},"timestamp":"2026-01-01T00:00:00Z"}', '{"eventId":"nx-e2","externalId":"nx-1","name":"purchase"}'].join('\n');
      expect(await post('events', events, 'application/x-ndjson')).toMatchObject({ accepted: 1, rejected: 1, errors: [{ line: 2, path: 'timestamp' }] });
      expect(await post('events', events, 'application/x-ndjson')).toMatchObject({ accepted: 1, duplicates: 1 });
    });
  },
  ['neon'],
);
