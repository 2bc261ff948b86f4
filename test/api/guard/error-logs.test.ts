/** Internal errors are logged without personal data, under the request id the client also gets. */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { describeForLog, publicMessageOf, redactText } from '../../../api/log.js';

const UPSERT = 'mutation($input: ProfileInput!) { upsertProfile(input: $input) { id } }';
const EMAIL = 'zoe.private@example.org';

describe('redaction', () => {
  it("drops drizzle's parameters, keeps the SQL text and the SQLSTATE, blanks values PostgreSQL quotes", () => {
    const cause = Object.assign(new Error('invalid input syntax for type uuid: "zoe.private@example.org"'), { code: '22P02', detail: `Key (email)=(${EMAIL})` });
    const error = new Error(`Failed query: select * from "profiles" where "email" = $1\nparams: ${EMAIL},+84912345678`, { cause });
    const logged = describeForLog(error);
    expect(logged).not.toContain('example.org');
    expect(logged).not.toContain('912345678');
    expect(logged).toContain('select * from "profiles" where "email" = $1 [parameters redacted]');
    expect(logged).toContain('SQLSTATE 22P02');
    expect(publicMessageOf(error)).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(redactText('call +1 (415) 555-0100 or mail a.b@c.io')).toBe('call [number] or mail [email]');
  });
});

describeEachDatabase('internal error logs', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let logged: string[];

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Logs');
    api = await startTestApi(suite.db);
    // A database failure on this e-mail: the failing insert carries it (and other personal data) as parameters.
    await suite.db.execute(sql.raw(`
      create function ae_test_refuse() returns trigger language plpgsql as $$
      begin
        if new.email = '${EMAIL}' then raise exception 'refused profile %', new.email using errcode = 'XX123'; end if;
        return new;
      end $$`));
    await suite.db.execute(sql.raw('create trigger ae_test_refuse before insert on profiles for each row execute function ae_test_refuse()'));
    await api.gql('mutation { defineTrait(name: "nickname", type: STRING) { id } }', {}, ws.keys.admin);
  });
  afterAll(() => api?.close());
  afterEach(() => vi.restoreAllMocks());

  it('logs no e-mail, phone or trait, but the SQL shape, the SQLSTATE and the request id the client got', async () => {
    logged = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    const input = { externalId: 'ext-secret-42', email: EMAIL, phone: '+84 91 234 5678', traits: { nickname: 'zozo' } };
    const response = await api.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: UPSERT, variables: { input } }),
      key: ws.keys.editor,
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string; requestId?: string } }> };
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.errors[0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId });
    expect(body.errors[0]!.message).toBe('Internal server error');

    const text = logged.join('\n');
    expect(text).toContain(`request ${requestId}`);
    expect(text).toMatch(/insert into "profiles"/);
    expect(text).toContain('[parameters redacted]');
    expect(text).toContain('SQLSTATE XX123');
    for (const secret of ['example.org', 'zoe.private', '234 5678', '912345678', 'zozo']) expect(text).not.toContain(secret);
  });

  it('gives every response its own request id, errors or not', async () => {
    const a = await api.fetch('/healthz');
    const b = await api.fetch('/nope');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    await a.body?.cancel();
    await b.body?.cancel();
  });
});
