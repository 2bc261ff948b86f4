/** Per-environment behaviour: production hides the schema (no introspection, no IDE, no "Did you mean"). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { isProduction } from '../../../api/environment.js';

describe('isProduction', () => {
  it('reads AE_ENV first, then NODE_ENV', () => {
    expect(isProduction({ NODE_ENV: 'production' })).toBe(true);
    expect(isProduction({ AE_ENV: 'production', NODE_ENV: 'development' })).toBe(true);
    expect(isProduction({ AE_ENV: 'staging', NODE_ENV: 'production' })).toBe(false);
    expect(isProduction({ NODE_ENV: 'test' })).toBe(false);
    expect(isProduction({})).toBe(false);
  });
});

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ segmnts(first: 1) { edges { node { id } } } }';

describeEachDatabase(
  'per-environment GraphQL surface',
  (suite) => {
    let dev: TestApi;
    let prod: TestApi;
    let ws: TestWorkspace;

    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Env');
      dev = await startTestApi(suite.db, undefined, { production: false });
      prod = await startTestApi(suite.db, undefined, { production: true });
    });
    afterAll(async () => {
      await dev?.close();
      await prod?.close();
    });

    it('development: introspection, the IDE and suggestions', async () => {
      expect((await dev.gql(INTROSPECTION, {}, null)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const page = await dev.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).toContain('text/html');
      await page.body?.cancel();
      const typo = await dev.gql(TYPO, {}, ws.keys.viewer);
      expect(typo.errors![0]!.message).toMatch(/Did you mean "segments"/);
    });

    it('production: no introspection, with a key or without, not even an admin key', async () => {
      for (const key of [null, ws.keys.viewer, ws.keys.admin]) {
        const result = await prod.gql(INTROSPECTION, {}, key);
        expect(result.data ?? null).toBeNull();
        expect(codeOf(result)).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(codeOf(await prod.gql('{ __type(name: "Segment") { fields { name } } }', {}, key))).toBe('GRAPHQL_VALIDATION_FAILED');
      }
    });

    it('production: no IDE page and no IDE assets', async () => {
      const page = await prod.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
      expect(await page.text()).not.toContain('<html');
      const devPage = await (await dev.fetch('/graphql', { headers: { accept: 'text/html' } })).text();
      const asset = /(?:src|href)=["'](\/graphql\/static\/[^"']+)["']/.exec(devPage)![1]!;
      expect((await dev.fetch(asset)).status).toBe(200);
      const refused = await prod.fetch(asset);
      expect(refused.status).toBe(404);
      await refused.body?.cancel();
    });

    it('production: validation messages name no other field, type or argument', async () => {
      const cases = [TYPO, '{ segments(frist: 1) { edges { node { id } } } }', '{ segments(first: 1, status: PUBLISHD) { edges { node { id } } } }'];
      for (const query of cases) {
        const [devError] = (await dev.gql(query, {}, ws.keys.viewer)).errors!;
        const [prodError] = (await prod.gql(query, {}, ws.keys.viewer)).errors!;
        expect(devError!.message).toContain('Did you mean');
        expect(prodError!.message).not.toContain('Did you mean');
        expect(prodError!.message).not.toMatch(/"segments"|"first"|"PUBLISHED"/);
        expect(prodError!.extensions?.code).toBe(devError!.extensions?.code);
      }
      // Operations still work.
      const ok = await prod.gql('{ workspace { name } }', {}, ws.keys.viewer);
      expect(ok.data).toEqual({ workspace: { name: 'Env' } });
    });
  },
  ['pglite'],
);
