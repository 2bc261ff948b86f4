/**
 * Query operations run on graphql-js the first time Apollo sees their document and as graphql-jit
 * compiled functions after (api/graphql/executor.ts). Whatever runs them, the answer must be the
 * same: every query operation of the authorization suite with every field of its answer, for every
 * role and for no key (field-level FORBIDDEN, nulls, computed fields), bad arguments and variables,
 * a forged cursor, is sent three times and must answer the same each time, status included.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { ALL_ROLES, startTestApi, type TestApi } from '../harness.js';
import { fieldPaths, selectPaths } from '../auth/fields.js';
import { createAuthFixtures, operations, type AuthFixtures, type OperationCall } from '../auth/operations.js';

const isQuery = (call: OperationCall): call is Extract<OperationCall, { kind: 'graphql' }> => call.kind === 'graphql' && !/^\s*mutation\b/.test(call.query);

describeEachDatabase('graphql-jit answers as graphql-js does', (suite) => {
  let api: TestApi;
  let f: AuthFixtures;

  beforeAll(async () => {
    f = await createAuthFixtures(suite.db);
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  async function thrice(query: string, variables: Record<string, unknown> | undefined, key: string | null) {
    const answers = [];
    for (let run = 0; run < 3; run++) answers.push(JSON.stringify(await api.gql(query, variables, key)));
    return answers;
  }

  it('every query operation, every field, every role and no key', async () => {
    const differing: unknown[] = [];
    for (const op of operations) {
      const call = op.call(f);
      if (!isQuery(call)) continue;
      const paths = fieldPaths(call.query);
      const query = paths.length > 0 ? selectPaths(call.query, paths) : call.query;
      for (const key of [...ALL_ROLES.map((role) => f.own.keys[role]), null]) {
        const [first, ...later] = await thrice(query, call.variables, key);
        if (later.some((answer) => answer !== first)) differing.push({ operation: op.name, first, later });
      }
    }
    expect(differing).toEqual([]);
  });

  it('bad arguments, bad variables and forged cursors', async () => {
    const list = 'query($first: Int, $after: String) { segments(first: $first, after: $after) { edges { node { id slug } cursor } pageInfo { endCursor hasNextPage } } }';
    const cases: Array<[string, Record<string, unknown>]> = [
      [list, { first: 2, after: 'eyJhIjoxfQ' }],
      [list, { first: 101 }],
      [list, { first: 'two' }],
      [list, { first: 1 }],
      ['query($id: ID!) { segment(id: $id) { id name } }', { id: 'not-a-uuid' }],
      ['query($id: ID!) { segment(id: $id) { id name } }', {}],
    ];
    for (const [query, variables] of cases) {
      const [first, ...later] = await thrice(query, variables, f.own.keys.viewer);
      expect({ variables, later }).toEqual({ variables, later: [first, first] });
    }
  });
});
