/**
 * Workspace administration through GraphQL with the instance admin token (ADMIN_TOKEN): create
 * (with the first admin key), list, rename, delete (everything in the workspace erased at once),
 * and who may not: no bearer, a wrong token, every role of a workspace key, another workspace's
 * key; the token itself on workspace data; refused tokens (placeholder in production, short,
 * shaped like a workspace key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { ALL_ROLES, codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { exportFile, requestExport } from '../exports/export-helpers.js';
import { instanceAdminConfig } from '../../../api/admin/instance-token.js';

const TOKEN = 'aeadm_test-instance-token-0123456789abcdefghij';
const NOW = new Date('2026-06-01T12:00:00Z');
const CREATE = 'mutation($name: String!) { createWorkspace(name: $name) { workspace { id name createdAt } adminKey apiKey { name role prefix } } }';
const LIST = 'query($after: String) { workspaces(first: 2, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }';
const RENAME = 'mutation($id: ID!, $name: String!) { renameWorkspace(id: $id, name: $name) { id name } }';
const DELETE = 'mutation($id: ID!) { deleteWorkspace(id: $id) { id name profiles events segments audienceExports apiKeys } }';

describe('the instance admin token configuration', () => {
  it('refuses short tokens, workspace-key-shaped ones, and placeholders in production only', () => {
    expect(instanceAdminConfig(undefined, true)).toEqual({ digest: null, problem: null });
    expect(instanceAdminConfig('short', false).problem).toMatch(/shorter than 32/);
    expect(instanceAdminConfig(`ae_${'a'.repeat(43)}`, false).problem).toMatch(/shape of a workspace API key/);
    expect(instanceAdminConfig('a token with spaces in it, 0123456789abcdef', false).problem).toMatch(/whitespace/);
    expect(instanceAdminConfig('admin-token-change-me-0123456789abcdef', true).problem).toMatch(/placeholder/);
    expect(instanceAdminConfig('admin-token-change-me-0123456789abcdef', false).problem).toBeNull();
    expect(instanceAdminConfig(TOKEN, true).problem).toBeNull();
  });
});

describeEachDatabase('workspace administration', (suite) => {
  let api: TestApi;
  let other: TestWorkspace;

  beforeAll(async () => {
    other = await createTestWorkspace(suite.db, 'Other');
    api = await startTestApi(suite.db, () => NOW, { adminToken: TOKEN });
  });
  afterAll(() => api?.close());

  it('creates a workspace whose first admin key works at once, lists and renames it', async () => {
    const created = dataOf(await api.gql(CREATE, { name: '  Acme Coffee  ' }, TOKEN)).createWorkspace;
    expect(created.workspace.name).toBe('Acme Coffee');
    expect(created.adminKey).toMatch(/^ae_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toEqual({ name: 'Admin', role: 'ADMIN', prefix: created.adminKey.slice(0, 8) });
    expect(dataOf(await api.gql('{ workspace { id name } }', {}, created.adminKey)).workspace).toEqual({ id: created.workspace.id, name: 'Acme Coffee' });
    // The workspace admin makes the other keys itself.
    const editor = dataOf(await api.gql('mutation { createApiKey(name: "Marketing", role: EDITOR) { key } }', {}, created.adminKey)).createApiKey.key;
    expect(dataOf(await api.gql('{ segments { edges { node { id } } } }', {}, editor)).segments.edges).toEqual([]);

    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = dataOf(await api.gql(LIST, { after }, TOKEN)).workspaces;
      names.push(...page.edges.map((e: { node: { name: string } }) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toEqual(expect.arrayContaining(['Other', 'Acme Coffee']));
    expect(new Set(names).size).toBe(names.length);

    expect(dataOf(await api.gql(RENAME, { id: created.workspace.id, name: 'Acme Roasters' }, TOKEN)).renameWorkspace).toEqual({ id: created.workspace.id, name: 'Acme Roasters' });
    expect(dataOf(await api.gql('{ workspace { name } }', {}, editor)).workspace.name).toBe('Acme Roasters');
  });

  it('refuses bad names and ids with clear errors', async () => {
    for (const name of ['', '   ', 'x'.repeat(201)]) {
      const result = await api.gql(CREATE, { name }, TOKEN);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(/name: give a name of 1 to 200 characters/);
    }
    expect(codeOf(await api.gql(RENAME, { id: other.workspaceId, name: '' }, TOKEN))).toBe('BAD_USER_INPUT');
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      expect(codeOf(await api.gql(RENAME, { id, name: 'X' }, TOKEN))).toBe('NOT_FOUND');
      expect(codeOf(await api.gql(DELETE, { id }, TOKEN))).toBe('NOT_FOUND');
    }
    expect(codeOf(await api.gql('{ workspaces(first: 0) { edges { cursor } } }', {}, TOKEN))).toBe('BAD_USER_INPUT');
  });

  it('only the instance token manages workspaces; it reads no workspace data', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['{ workspaces { edges { node { id } } } }', {}],
      [CREATE, { name: 'Sneaky' }],
      [RENAME, { id: other.workspaceId, name: 'Taken over' }],
      [DELETE, { id: other.workspaceId }],
    ];
    for (const [query, variables] of calls) {
      for (const role of ALL_ROLES) {
        const result = await api.gql(query, variables, other.keys[role]);
        expect({ role, code: codeOf(result) }).toEqual({ role, code: 'FORBIDDEN' });
        expect(result.errors![0]!.message).toMatch(/instance admin token/);
      }
      for (const bearer of [null, 'wrong-token-of-forty-characters-0123456789', `${TOKEN}x`, TOKEN.slice(0, -1), `ae_${'b'.repeat(43)}`]) {
        const result = await api.gql(query, variables, bearer);
        expect({ bearer, code: codeOf(result) }).toEqual({ bearer, code: 'UNAUTHENTICATED' });
      }
    }
    expect(dataOf(await api.gql('{ workspace { name } }', {}, other.keys.viewer)).workspace.name).toBe('Other');
    for (const query of ['{ workspace { id } }', '{ segments { edges { node { id } } } }', 'mutation { createApiKey(name: "x", role: ADMIN) { key } }']) {
      const result = await api.gql(query, {}, TOKEN);
      expect(codeOf(result)).toBe('FORBIDDEN');
      expect(result.errors![0]!.message).toMatch(/manages workspaces only/);
    }
    const rest = await api.fetch('/v1/rulesets/current', { key: TOKEN });
    expect(rest.status).toBe(403);
  });

  it('deletes a workspace and everything in it, at once, and nothing of another', async () => {
    const created = dataOf(await api.gql(CREATE, { name: 'Doomed' }, TOKEN)).createWorkspace;
    const id: string = created.workspace.id;
    const admin: string = created.adminKey;
    const ingest = dataOf(await api.gql('mutation { createApiKey(name: "pipe", role: INGEST) { key } }', {}, admin)).createApiKey.key;
    expect(dataOf(await api.gql('mutation { defineTrait(name: "plan", type: STRING) { id } }', {}, admin)).defineTrait.id).toBeTruthy();
    const { profiles } = await upsertProfiles(suite.db, id, [
      { externalId: 'd-1', email: 'one@example.com', consent: { ads: true }, visitorIds: ['v-d-1'], traits: { plan: 'pro' } },
      { externalId: 'd-2', email: 'two@example.com', consent: { ads: true } },
      { externalId: 'd-3', email: 'three@example.com' },
    ], NOW);
    const track = 'mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }';
    expect(dataOf(await api.gql(track, { e: [{ eventId: 'p-1', externalId: 'd-1', name: 'purchase', properties: { revenue: 9 }, timestamp: '2026-05-01T00:00:00Z' }] }, ingest)).trackEvents.accepted).toBe(1);
    const segments = new SegmentService(suite.db, id, () => NOW);
    const list = await segments.create({ slug: 'list', name: 'List', type: 'static' });
    await segments.addToStatic(list.id, profiles.map((p) => p.id));
    await segments.publish(list.id);
    const everyone = await segments.create({ slug: 'everyone', name: 'Everyone', type: 'dynamic', rule: { all: [] } });
    await segments.publish(everyone.id);
    const done = await exportFile(api, admin, list.id, 'META', 'CSV', 'FULL');
    expect(done.text).toContain(',d-1');
    // An erasure inside it: its tombstone and the pending DELTA removal are erased with the rest.
    expect(dataOf(await api.gql('mutation { deleteProfile(externalId: "d-3") { id } }', {}, admin)).deleteProfile.id).toBeTruthy();
    await suite.db.execute(sql`insert into dirty_profiles (workspace_id, profile_id) values (${id}, ${profiles[0]!.id}) on conflict do nothing`);

    const otherBefore = await rowsPerTable(other.workspaceId);
    const gone = dataOf(await api.gql(DELETE, { id }, TOKEN)).deleteWorkspace;
    expect(gone).toEqual({ id, name: 'Doomed', profiles: 2, events: 1, segments: 2, audienceExports: 1, apiKeys: 2 });

    expect(Object.entries(await rowsPerTable(id)).filter(([, n]) => n > 0)).toEqual([]);
    const exportRows = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from audience_export_rows where export_id = ${done.view.id}`);
    expect(exportRows.rows[0]!.n).toBe(0);
    const members = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from segment_members where segment_id in (${list.id}, ${everyone.id})`);
    expect(members.rows[0]!.n).toBe(0);
    expect(await rowsPerTable(other.workspaceId)).toEqual(otherBefore);

    // Its keys are refused at once (the cache of this process forgot them), its file is gone.
    expect(codeOf(await api.gql('{ workspace { id } }', {}, admin))).toBe('UNAUTHENTICATED');
    expect(codeOf(await api.gql(track, { e: [{ eventId: 'p-2', externalId: 'd-1', name: 'x', timestamp: '2026-05-02T00:00:00Z' }] }, ingest))).toBe('UNAUTHENTICATED');
    expect((await api.fetch(done.view.downloadUrl, { key: admin })).status).toBe(401);
    expect((await api.fetch(done.view.downloadUrl, { key: other.keys.admin })).status).toBe(404);
    const listed = dataOf(await api.gql('{ workspaces(first: 100) { edges { node { id } } } }', {}, TOKEN)).workspaces.edges.map((e: any) => e.node.id);
    expect(listed).not.toContain(id);
    expect(codeOf(await api.gql(DELETE, { id }, TOKEN))).toBe('NOT_FOUND');
  });

  it('refuses to delete a workspace while one of its exports is being built', async () => {
    const created = dataOf(await api.gql(CREATE, { name: 'Busy' }, TOKEN)).createWorkspace;
    const segments = new SegmentService(suite.db, created.workspace.id, () => NOW);
    const list = await segments.create({ slug: 'list', name: 'List', type: 'static' });
    await segments.publish(list.id);
    await api.jobs.stop(); // nothing builds it: it is marked running as a build would
    const queued = await requestExport(api, created.adminKey, list.id, 'GENERIC', 'JSONL', 'FULL');
    await suite.db.execute(sql`update audience_exports set status = 'running', started_at = now() where id = ${queued.id}`);
    const refused = await api.gql(DELETE, { id: created.workspace.id }, TOKEN);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.message).toMatch(/export\(s\) being built/);
    expect(refused.errors![0]!.extensions!.exportIds).toEqual([queued.id]);
    expect(dataOf(await api.gql('{ workspace { name } }', {}, created.adminKey)).workspace.name).toBe('Busy');
    await suite.db.execute(sql`update audience_exports set status = 'failed' where id = ${queued.id}`);
    expect(dataOf(await api.gql(DELETE, { id: created.workspace.id }, TOKEN)).deleteWorkspace.audienceExports).toBe(1);
  });

  /** Rows per table that has a workspace_id column, for one workspace. */
  async function rowsPerTable(workspaceId: string): Promise<Record<string, number>> {
    const { rows: tables } = await suite.db.execute<{ table_name: string }>(sql`
      select table_name from information_schema.columns
      where column_name = 'workspace_id' and table_schema = 'public' order by table_name`);
    const out: Record<string, number> = {};
    for (const { table_name } of tables) {
      const { rows } = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table_name)} where workspace_id = ${workspaceId}`);
      out[table_name] = rows[0]!.n;
    }
    return out;
  }
});

describeEachDatabase('workspace administration with a refused token', (suite) => {
  const PLACEHOLDER = 'instance-admin-token-change-me-0123456789';
  let production: TestApi;
  let development: TestApi;
  let unset: TestApi;

  beforeAll(async () => {
    production = await startTestApi(suite.db, undefined, { adminToken: PLACEHOLDER, production: true });
    development = await startTestApi(suite.db, undefined, { adminToken: PLACEHOLDER, production: false });
    unset = await startTestApi(suite.db);
  });
  afterAll(async () => {
    await production?.close();
    await development?.close();
    await unset?.close();
  });

  it('a placeholder is refused in production, naming the setting; accepted in development', async () => {
    const refused = await production.gql('{ workspaces { edges { node { id } } } }', {}, PLACEHOLDER);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.extensions!.setting).toBe('ADMIN_TOKEN');
    expect(refused.errors![0]!.message).toMatch(/placeholder .* refused in production/);
    expect(dataOf(await development.gql('{ workspaces { edges { node { id } } } }', {}, PLACEHOLDER)).workspaces.edges).toBeInstanceOf(Array);
  });

  it('without ADMIN_TOKEN nothing is the instance token', async () => {
    const result = await unset.gql('{ workspaces { edges { node { id } } } }', {}, PLACEHOLDER);
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
    expect(result.errors![0]!.message).toMatch(/ADMIN_TOKEN/);
  });
});
