/**
 * The request transaction of a query (api/graphql/request-transaction.ts) always ends, even when
 * another plugin refuses the operation while the transaction is opening: Apollo runs the plugins'
 * didResolveOperation hooks together and answers as soon as one throws (the input policy), before
 * the request-limits hook has its transaction. That transaction used to be left open: on PGlite it
 * held the only connection and every later request hung; on PostgreSQL each one kept a pool slot
 * idle in a transaction until the pool ran dry (fixed in ee84774: the opening promise is kept at once).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

/** A query the input policy refuses in didResolveOperation, the hook in which the request transaction opens. */
const REFUSED = '{ profile(externalId: "cust\\u0000") { id } }';

describeEachDatabase('request transaction', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const gql = (query: string, variables?: Record<string, unknown>) => api.gql(query, variables, ws.keys.admin);

  beforeAll(async () => {
    api = await startTestApi(suite.db);
    ws = await createTestWorkspace(suite.db);
  });
  afterAll(() => api?.close());

  it('queries refused by another plugin while their transaction opens leave none open: later requests still answer', { timeout: 60_000 }, async () => {
    // More than the pool's connections (5 in tests), one after another and at once.
    for (let i = 0; i < 12; i++) expect(codeOf(await gql(REFUSED))).toBe('BAD_USER_INPUT');
    const together = await Promise.all(Array.from({ length: 12 }, () => gql(REFUSED)));
    expect(together.map(codeOf)).toEqual(Array(12).fill('BAD_USER_INPUT'));

    if (suite.kind !== 'pglite') {
      // Each transaction ended before its answer was sent: no backend of this database sits in one.
      const result = await suite.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
      expect((result as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
    }
    // A query (in a request transaction of its own), a write, and the database itself still answer.
    dataOf(await gql('mutation { upsertProfile(input: { externalId: "after-refusals" }) { id } }'));
    expect(dataOf(await gql('{ profile(externalId: "after-refusals") { externalId } }')).profile).toEqual({ externalId: 'after-refusals' });
    const direct = await suite.db.execute(sql`select 1 as one`);
    expect((direct as unknown as { rows: unknown[] }).rows).toHaveLength(1);
  });
});
