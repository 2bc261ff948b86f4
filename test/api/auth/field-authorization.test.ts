/**
 * The field-level authorization suite: for every GraphQL operation of operations.ts and every role
 * that may run it, every field path of the operation's return type (fields.ts) is requested on its
 * own. A field the role may not read is refused with FORBIDDEN at that field; every other one answers.
 * So a mutation cannot hand back what the matching query refuses (an ingest key's upsertProfile
 * gets id and externalId, never e-mail, traits, events or segments).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { startTestApi, type GraphQLResult, type TestApi } from '../harness.js';
import { buildApiSchema } from '../../../api/graphql/schema.js';
import { isObjectType } from 'graphql/index.js';
import { allowedOnPath, FIELD_ROLES, fieldPaths, responsePath, selectPaths, type FieldPath } from './fields.js';
import { createAuthFixtures, operations, type AuthFixtures, type OperationCall } from './operations.js';

/** Errors at a field or on the way to it (a refused field on the way is reported there). */
function errorsOnPath(result: GraphQLResult, at: readonly string[]) {
  return (result.errors ?? []).filter((e) => {
    const path = (e.path ?? []).filter((p): p is string => typeof p === 'string');
    return path.length > 0 && path.every((p, i) => at[i] === p);
  });
}

describe('the field-level role table', () => {
  it('names fields that exist', () => {
    const schema = buildApiSchema();
    for (const key of Object.keys(FIELD_ROLES)) {
      const [typeName, field] = key.split('.') as [string, string];
      const type = schema.getType(typeName);
      expect({ key, exists: isObjectType(type) && field in type.getFields() }).toEqual({ key, exists: true });
    }
  });
});

describeEachDatabase('field-level authorization', (suite) => {
  let api: TestApi;
  let f: AuthFixtures;

  beforeAll(async () => {
    f = await createAuthFixtures(suite.db);
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  const graphqlOperations = operations.filter((op) => !/^(GET|POST) /.test(op.name));

  it.each(graphqlOperations.map((op) => [op.name, op] as const))('%s: every field of its answer, for every role that may run it', async (_name, op) => {
    const template = op.call(f);
    if (template.kind !== 'graphql') return;
    const paths = fieldPaths(template.query);
    expect(paths.length).toBeGreaterThan(0);
    const failures: unknown[] = [];
    for (const role of op.roles) {
      const allowed = paths.filter((p) => allowedOnPath(p.steps, [role]).length === 1);
      // Every field this role may read, in one request: all of them answer.
      const call = op.call(f) as Extract<OperationCall, { kind: 'graphql' }>;
      const answer = await api.gql(selectPaths(call.query, allowed), call.variables, f.own.keys[role]);
      const denied = (answer.errors ?? []).filter((e) => /^(FORBIDDEN|UNAUTHENTICATED)$/.test(String(e.extensions?.code)));
      if (denied.length || (op.answers !== false && (answer.errors || answer.data == null))) failures.push({ role, expected: 'answers', errors: answer.errors });
      // The refused paths, grouped by their first refused field (one request each: a refused non-null
      // field nulls its parent, and graphql-js may then drop its siblings' errors).
      const groups = new Map<string, FieldPath[]>();
      for (const path of paths.filter((p) => !allowed.includes(p))) {
        const first = path.steps.findIndex((step) => FIELD_ROLES[step] && !FIELD_ROLES[step]!.includes(role));
        const key = path.names.slice(0, first + 1).join('.');
        groups.set(key, [...(groups.get(key) ?? []), path]);
      }
      for (const [key, group] of groups) {
        const again = op.call(f) as Extract<OperationCall, { kind: 'graphql' }>;
        const refusal = await api.gql(selectPaths(again.query, group), again.variables, f.own.keys[role]);
        const at = responsePath(again.query, { steps: [], names: key.split('.') });
        const codes = errorsOnPath(refusal, at).map((e) => e.extensions?.code);
        if (!codes.includes('FORBIDDEN')) failures.push({ role, field: key, expected: 'FORBIDDEN', got: codes, data: refusal.data });
      }
    }
    expect(JSON.stringify(failures, null, 1)).toBe("[]");
  });
});
