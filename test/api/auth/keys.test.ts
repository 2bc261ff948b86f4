import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { authenticate } from '../../../api/auth/auth.service.js';
import { hashSecret } from '../../../api/auth/keys.js';
import { apiKeys } from '../../../drizzle/index.js';

describeEachDatabase('api keys', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Keys');
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('creates a key whose secret is shown once and stored only as a sha256 hash', async () => {
    const { createApiKey } = dataOf(await api.gql('mutation { createApiKey(name: "CRM sync", role: INGEST) { key apiKey { id name role prefix revokedAt } } }', {}, ws.keys.admin));
    expect(createApiKey.key).toMatch(/^ae_[A-Za-z0-9_-]{43}$/);
    expect(createApiKey.apiKey).toMatchObject({ name: 'CRM sync', role: 'INGEST', prefix: createApiKey.key.slice(0, 8), revokedAt: null });
    const [row] = await suite.db.select().from(apiKeys).where(eq(apiKeys.id, createApiKey.apiKey.id));
    expect(row!.keyHash).toBe(hashSecret(createApiKey.key));
    expect(JSON.stringify(row)).not.toContain(createApiKey.key);
    const listed = dataOf(await api.gql('{ apiKeys(first: 100) { edges { node { id name } } } }', {}, ws.keys.admin));
    expect(JSON.stringify(listed)).not.toContain(createApiKey.key);
    expect(listed.apiKeys.edges.map((e: any) => e.node.id)).toContain(createApiKey.apiKey.id);
    const trackedWithIt = await api.gql('mutation { upsertProfile(input: { externalId: "k-1" }) { id } }', {}, createApiKey.key);
    expect(trackedWithIt.errors).toBeUndefined();
  });

  it('revokes a key at once, idempotently', async () => {
    const { createApiKey } = dataOf(await api.gql('mutation { createApiKey(name: "temp", role: VIEWER) { key apiKey { id } } }', {}, ws.keys.admin));
    expect(codeOf(await api.gql('{ profiles { edges { cursor } } }', {}, createApiKey.key))).toBeUndefined();
    const first = dataOf(await api.gql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: createApiKey.apiKey.id }, ws.keys.admin));
    const second = dataOf(await api.gql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: createApiKey.apiKey.id }, ws.keys.admin));
    expect(first.revokeApiKey.revokedAt).not.toBeNull();
    expect(second.revokeApiKey.revokedAt).toBe(first.revokeApiKey.revokedAt);
    expect(codeOf(await api.gql('{ profiles { edges { cursor } } }', {}, createApiKey.key))).toBe('UNAUTHENTICATED');
  });

  it('rejects an empty key name and an unknown role', async () => {
    expect(codeOf(await api.gql('mutation { createApiKey(name: "  ", role: VIEWER) { key } }', {}, ws.keys.admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await api.gql('mutation { createApiKey(name: "x", role: ROOT) { key } }', {}, ws.keys.admin))).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('updates lastUsedAt at most once a minute', async () => {
    const t0 = new Date('2026-03-01T10:00:00Z');
    const caller = await authenticate(suite.db, `Bearer ${ws.keys.viewer}`, t0);
    expect(caller).toMatchObject({ workspaceId: ws.workspaceId, role: 'viewer' });
    await authenticate(suite.db, `Bearer ${ws.keys.viewer}`, new Date(t0.getTime() + 30_000));
    const lastUsed = async () => (await suite.db.select().from(apiKeys).where(eq(apiKeys.id, caller!.keyId)))[0]!.lastUsedAt;
    expect(await lastUsed()).toEqual(t0);
    const later = new Date(t0.getTime() + 61_000);
    await authenticate(suite.db, `Bearer ${ws.keys.viewer}`, later);
    expect(await lastUsed()).toEqual(later);
    expect(await authenticate(suite.db, 'Basic abc')).toBeNull();
    expect(await authenticate(suite.db, undefined)).toBeNull();
  });

  it('shows the caller its workspace', async () => {
    const { workspace } = dataOf(await api.gql('{ workspace { id name } }', {}, ws.keys.edge));
    expect(workspace).toEqual({ id: ws.workspaceId, name: 'Keys' });
  });
});
