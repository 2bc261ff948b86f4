/**
 * The shared authorization suite: every operation of operations.ts with no key, every role, a
 * revoked key and another workspace's ids.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { ALL_ROLES, startTestApi, type TestApi } from '../harness.js';
import { createApiKey, revokeApiKey } from '../../../api/auth/auth.service.js';
import type { ApiRole } from '../../../drizzle/index.js';
import { createAuthFixtures, operations, type AuthFixtures, type OperationCall } from './operations.js';

/** The error code of a call's answer (GraphQL extensions.code or REST error.code), or null on success. */
async function run(api: TestApi, call: OperationCall, key: string | null): Promise<string | null> {
  if (call.kind === 'graphql') {
    const result = await api.gql(call.query, call.variables, key);
    return result.errors?.[0]?.extensions?.code ?? null;
  }
  const response = await api.fetch(call.path, {
    method: call.method,
    key,
    headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  if (response.ok) {
    await response.body?.cancel();
    return null;
  }
  const body = (await response.json()) as { error?: { code?: string } };
  return body.error?.code ?? `HTTP ${response.status}`;
}

describeEachDatabase('authorization', (suite) => {
  let api: TestApi;
  let f: AuthFixtures;
  const revoked = {} as Record<ApiRole, string>;

  beforeAll(async () => {
    f = await createAuthFixtures(suite.db);
    for (const role of ALL_ROLES) {
      const { key, apiKey } = await createApiKey(suite.db, f.own.workspaceId, `revoked ${role}`, role);
      await revokeApiKey(suite.db, f.own.workspaceId, apiKey.id);
      revoked[role] = key;
    }
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it.each(operations.map((op) => [op.name, op] as const))('%s: no key, a malformed key or a revoked key -> UNAUTHENTICATED', async (_name, op) => {
    expect(await run(api, op.call(f), null)).toBe('UNAUTHENTICATED');
    expect(await run(api, op.call(f), 'ae_not-a-real-key')).toBe('UNAUTHENTICATED');
    expect(await run(api, op.call(f), revoked[op.roles[0]!])).toBe('UNAUTHENTICATED');
  });

  it.each(operations.map((op) => [op.name, op] as const))('%s: only its roles may run it', async (_name, op) => {
    for (const role of ALL_ROLES) {
      const code = await run(api, op.call(f), f.own.keys[role]);
      if (op.roles.includes(role)) expect({ role, code }).not.toMatchObject({ code: expect.stringMatching(/^(UNAUTHENTICATED|FORBIDDEN)$/) });
      else expect({ role, code }).toEqual({ role, code: 'FORBIDDEN' });
    }
  });

  it.each(operations.filter((op) => op.foreign).map((op) => [op.name, op] as const))("%s: another workspace's ids -> NOT_FOUND", async (_name, op) => {
    for (const role of op.roles) expect(await run(api, op.foreign!(f), f.own.keys[role])).toBe('NOT_FOUND');
  });

  it('another workspace sees none of this one', async () => {
    const result = await api.gql('{ profiles(first: 100) { edges { node { externalId } } } }', {}, f.other.keys.viewer);
    const ids = result.data!.profiles.edges.map((e: { node: { externalId: string } }) => e.node.externalId);
    expect(ids).not.toContain('auth-own');
  });
});
