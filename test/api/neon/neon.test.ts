/** The production Neon driver path (WebSocket -> local relay -> PostgreSQL) runs the GraphQL API. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';

describeEachDatabase(
  'neon driver',
  (suite) => {
    let api: TestApi;
    let ws: TestWorkspace;

    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Neon');
      await defineTrait(suite.db, ws.workspaceId, 'plan', 'string', null);
      api = await startTestApi(suite.db);
    });
    afterAll(() => api?.close());

    it('upserts a profile, tracks a purchase and reads both back over GraphQL', async () => {
      expect(suite.kind).toBe('neon');
      dataOf(await api.gql('mutation { upsertProfile(input: { externalId: "n-1", traits: { plan: "pro" } }) { id } }', {}, ws.keys.editor));
      dataOf(await api.gql('mutation { trackEvents(events: [{ eventId: "n-e1", externalId: "n-1", name: "purchase", properties: { revenue: 12.5 }, timestamp: "2026-01-01T00:00:00Z" }]) { accepted } }', {}, ws.keys.ingest));
      const { profile } = dataOf(await api.gql('{ profile(externalId: "n-1") { traits computed { purchaseCount purchaseTotal } } }', {}, ws.keys.viewer));
      expect(profile).toEqual({ traits: { plan: 'pro' }, computed: { purchaseCount: 1, purchaseTotal: 12.5 } });
    });
  },
  ['neon'],
);
