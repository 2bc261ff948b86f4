import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';

const DEFINE = 'mutation($name: String!, $type: TraitType!, $description: String) { defineTrait(name: $name, type: $type, description: $description) { id name type description } }';

describeEachDatabase('traits', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Traits');
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('declares traits, lists them, and updates a description on redeclaration', async () => {
    const plan = dataOf(await api.gql(DEFINE, { name: 'plan', type: 'STRING', description: 'Plan' }, ws.keys.editor)).defineTrait;
    dataOf(await api.gql(DEFINE, { name: 'interests', type: 'STRING_LIST' }, ws.keys.editor));
    const again = dataOf(await api.gql(DEFINE, { name: 'plan', type: 'STRING', description: 'Subscription plan' }, ws.keys.admin)).defineTrait;
    expect(again).toEqual({ ...plan, description: 'Subscription plan' });
    const { traitDefinitions } = dataOf(await api.gql('{ traitDefinitions { edges { node { name type } } } }', {}, ws.keys.viewer));
    expect(traitDefinitions.edges.map((e: any) => e.node)).toEqual([
      { name: 'plan', type: 'STRING' },
      { name: 'interests', type: 'STRING_LIST' },
    ]);
  });

  it('answers CONFLICT when a declared trait would change type', async () => {
    const result = await api.gql(DEFINE, { name: 'plan', type: 'NUMBER' }, ws.keys.editor);
    expect(codeOf(result)).toBe('CONFLICT');
    expect(result.errors![0]!.message).toContain('already declared as string');
  });

  it('rejects names that rules could not address', async () => {
    for (const name of ['1st', 'has space', 'dot.ted', '', 'x'.repeat(65)]) {
      const result = await api.gql(DEFINE, { name, type: 'STRING' }, ws.keys.editor);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(/^name:/);
    }
  });
});
