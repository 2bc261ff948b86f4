/**
 * issueIdentifyToken: tokens the API signs with node:crypto are byte-identical to the Worker's and
 * pass the Worker's own verifyIdentifyToken (WebCrypto); ttl bounds, unknown and foreign profiles,
 * and a missing IDENTIFY_SECRET.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { signIdentifyToken } from '../../../api/identify/identify.service.js';
import { signIdentifyToken as edgeSign, verifyIdentifyToken } from '../../../edge/crypto/identify-token.js';

const SECRET = 'api-and-edge-identify-secret-0123456789';
const NOW = new Date('2030-06-01T12:00:00.000Z');
const ISSUE = 'mutation($e: String!, $t: Int) { issueIdentifyToken(externalId: $e, ttlSeconds: $t) { token expiresAt } }';
const ISSUE_DEFAULT = 'mutation($e: String!) { issueIdentifyToken(externalId: $e) { token expiresAt } }';

describe('signIdentifyToken (node:crypto)', () => {
  it('writes exactly the bytes the Worker writes', async () => {
    for (const claims of [
      { externalId: 'cust-1', exp: 1_900_000_000 },
      { externalId: 'kh\u00e1ch-h\u00e0ng/\u4e2d\u6587 "quoted" 😀', exp: 2_000_000_001 },
      { externalId: 'x'.repeat(256), exp: 1 },
    ]) {
      for (const secret of [SECRET, 'sécret-ünïcode-16+ chars']) expect(signIdentifyToken(claims, secret)).toBe(await edgeSign(claims, secret));
    }
  });
});

describeEachDatabase('issueIdentifyToken', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let other: TestWorkspace;
  const issue = (externalId: string, ttl?: number | null, key?: string) =>
    api.gql(ttl === undefined ? ISSUE_DEFAULT : ISSUE, ttl === undefined ? { e: externalId } : { e: externalId, t: ttl }, key ?? ws.keys.editor);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Identify');
    other = await createTestWorkspace(suite.db, 'Other');
    await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'cust-42' }, { externalId: 'kh\u00e1ch 7' }]);
    await upsertProfiles(suite.db, other.workspaceId, [{ externalId: 'theirs' }]);
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(async () => api?.close());
  afterEach(() => vi.unstubAllEnvs());

  it('issues a token the Worker verifies, for ttlSeconds (3600 by default)', async () => {
    vi.stubEnv('IDENTIFY_SECRET', SECRET);
    for (const [externalId, ttl, key] of [['cust-42', undefined, ws.keys.editor], ['kh\u00e1ch 7', 60, ws.keys.admin], ['cust-42', 86_400, ws.keys.editor]] as const) {
      const issued = dataOf(await issue(externalId, ttl, key)).issueIdentifyToken;
      const exp = NOW.getTime() / 1000 + (ttl ?? 3600);
      expect(issued.expiresAt).toBe(new Date(exp * 1000).toISOString());
      expect(await verifyIdentifyToken(issued.token, SECRET, NOW.getTime())).toEqual({ ok: true, externalId, exp });
      expect(issued.token).toBe(await edgeSign({ externalId, exp }, SECRET));
      expect(await verifyIdentifyToken(issued.token, SECRET, exp * 1000)).toEqual({ ok: false, reason: 'token has expired' });
      expect((await verifyIdentifyToken(issued.token, `${SECRET}-other`, NOW.getTime())).ok).toBe(false);
    }
    expect(dataOf(await issue('cust-42', null)).issueIdentifyToken.expiresAt).toBe(new Date(NOW.getTime() + 3_600_000).toISOString());
  });

  it('refuses a ttl outside 60..86400 with the path ttlSeconds', async () => {
    vi.stubEnv('IDENTIFY_SECRET', SECRET);
    for (const ttl of [59, 0, -1, 86_401]) {
      const result = await issue('cust-42', ttl);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.problems).toEqual([{ path: 'ttlSeconds', message: expect.stringContaining('60 to 86400') }]);
    }
    const long = await issue('x'.repeat(257), 120);
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0]!.extensions!.problems).toEqual([{ path: 'externalId', message: expect.any(String) }]);
  });

  it("answers NOT_FOUND for an unknown profile or another workspace's", async () => {
    vi.stubEnv('IDENTIFY_SECRET', SECRET);
    expect(codeOf(await issue('nobody'))).toBe('NOT_FOUND');
    expect(codeOf(await issue('theirs'))).toBe('NOT_FOUND');
    expect(dataOf(await issue('theirs', undefined, other.keys.editor)).issueIdentifyToken.token).toMatch(/^[\w-]+\.[\w-]{43}$/);
  });

  it('names the missing setting when IDENTIFY_SECRET is not set (or too short to be used by the Worker)', async () => {
    for (const value of [undefined, '', 'short-secret']) {
      vi.stubEnv('IDENTIFY_SECRET', value);
      const result = await issue('cust-42');
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.setting).toBe('IDENTIFY_SECRET');
      expect(result.errors![0]!.message).toMatch(/IDENTIFY_SECRET/);
    }
  });

  it("refuses the wrangler.toml placeholder secret in production (anyone could mint tokens with it), not in development", async () => {
    vi.stubEnv('IDENTIFY_SECRET', 'dev-identify-secret-change-me-0123456789');
    vi.stubEnv('AE_ENV', 'development');
    expect(dataOf(await issue('cust-42')).issueIdentifyToken.token).toMatch(/^[\w-]+\.[\w-]{43}$/);
    vi.stubEnv('AE_ENV', 'production');
    const refused = await issue('cust-42');
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.extensions!.setting).toBe('IDENTIFY_SECRET');
    expect(refused.errors![0]!.message).toMatch(/placeholder/);
    vi.stubEnv('IDENTIFY_SECRET', SECRET);
    expect(dataOf(await issue('cust-42')).issueIdentifyToken.token).toMatch(/^[\w-]+\.[\w-]{43}$/);
  });

  it('is refused to viewer, ingest and edge keys (a token reveals the person\'s segments at the edge)', async () => {
    vi.stubEnv('IDENTIFY_SECRET', SECRET);
    expect(codeOf(await issue('cust-42', undefined, ws.keys.ingest))).toBe('FORBIDDEN');
    expect(codeOf(await issue('cust-42', undefined, ws.keys.viewer))).toBe('FORBIDDEN');
    expect(codeOf(await issue('cust-42', undefined, ws.keys.edge))).toBe('FORBIDDEN');
  });
});
