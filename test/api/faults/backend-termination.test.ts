/**
 * Issue 9: a dropped database connection must cost one request (UNAVAILABLE, retryable), never the
 * process, and never an acknowledged write. The real PostgreSQL terminates the backends
 * (`pg_terminate_backend`) from a separate admin connection while clients run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { describeEachDatabase, TEST_DATABASE_URL } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { gqlClient, lostWrites, runMixedLoad, startTerminator, PREVIEW } from '../../helpers/faults.js';
import { describeError, toHttpError } from '../../../api/errors.js';
import { openDatabase } from '../../../api/db/index.js';
import { startRefreshScheduler } from '../../../api/segments/refresh-scheduler.js';
import { EXPORT_RECOVERY, resumeStaleExports } from '../../../api/exports/exports.service.js';

function urlOf(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

/** `promise`, or a failure naming `what` after `ms` (a pool whose slots leaked waits forever). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: connections leaked?`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A well-formed key no cache knows: authenticating it needs the database. */
const UNKNOWN_KEY = `ae_${'x'.repeat(43)}`;

it('with the database unreachable, GraphQL and REST answer 503 UNAVAILABLE (retryable) and the server stays up', async () => {
  const down = await openDatabase({ driver: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
  const api = await startTestApi(down.db);
  try {
    const graphql = await api.gql('{ segments(first: 1) { edges { node { id } } } }', {}, UNKNOWN_KEY);
    expect(graphql.status).toBe(503);
    expect(graphql.errors?.[0]?.extensions).toEqual({ code: 'UNAVAILABLE', retryable: true });
    const rest = await api.fetch('/v1/rulesets/current', { key: UNKNOWN_KEY });
    expect(rest.status).toBe(503);
    expect(await rest.json()).toMatchObject({ error: { code: 'UNAVAILABLE', retryable: true } });
    expect((await api.fetch('/healthz')).status).toBe(200);
  } finally {
    await api.close();
    await down.close();
  }
});

describeEachDatabase(
  'backend termination',
  (suite) => {
    let api: TestApi;
    let ws: TestWorkspace;
    let database: string;

    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Faults');
      api = await startTestApi(suite.db);
      database = ((await suite.db.execute(sql`select current_database() as name`)).rows[0] as { name: string }).name;
      const rule = { all: [{ attr: 'purchases.count', op: 'gte', value: 1 }] };
      const created = dataOf(await api.gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input: { slug: 'buyers', name: 'Buyers', rule } }, ws.keys.admin));
      dataOf(await api.gql('mutation($id: ID!) { publishSegment(id: $id) { id } }', { id: created.createSegment.id }, ws.keys.admin));
    });
    afterAll(() => api?.close());

    it('a transaction whose backend is terminated fails as UNAVAILABLE (retryable, REST 503) and the next query succeeds', async () => {
      const failure = await suite.db
        .transaction(async (tx) => {
          const { rows } = await tx.execute(sql`select pg_backend_pid() as pid`);
          await terminate((rows[0] as { pid: number }).pid);
          await tx.execute(sql`select 1`);
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(failure).not.toBeNull();
      expect(describeError(failure)).toMatchObject({ code: 'UNAVAILABLE', details: { retryable: true } });
      expect(toHttpError(failure)).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE', retryable: true } } });
      expect((await suite.db.execute(sql`select 1 as one`)).rows).toEqual([{ one: 1 }]);
    });

    it('a query outside a transaction whose backend is terminated fails as UNAVAILABLE', async () => {
      const sleeping = suite.db.execute(sql`select pg_sleep(5)`).then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows } = await suite.db.execute(sql`select pid from pg_stat_activity where datname = current_database() and query like 'select pg_sleep(5)%'`);
      await terminate((rows[0] as { pid: number }).pid);
      expect(describeError(await sleeping)).toMatchObject({ code: 'UNAVAILABLE', details: { retryable: true } });
      expect((await suite.db.execute(sql`select 1 as one`)).rows).toEqual([{ one: 1 }]);
    });

    it('under load with every backend terminated every 250 ms: the server lives, failures are UNAVAILABLE, acknowledged writes are all stored', async () => {
      const gql = gqlClient(api.url, ws.keys.admin);
      const terminator = await startTerminator(TEST_DATABASE_URL, database, 250);
      let figures = await runMixedLoad(gql, { clients: 6, durationMs: 3000, tag: `t${suite.kind}` });
      // On a loaded machine a round can pass with every write killed: more rounds (the check is that
      // writes still get through between terminations, and that none acknowledged is lost).
      for (let round = 1; round < 6 && !(figures.ok.trackEvents && figures.ok.upsertProfile); round += 1) {
        figures = await runMixedLoad(gql, { clients: 6, durationMs: 3000, tag: `t${suite.kind}r${round}` }, figures);
      }
      const killed = await terminator.stop();
      expect(killed).toBeGreaterThan(0);
      expect(Object.keys(figures.errors).filter((code) => code !== 'UNAVAILABLE')).toEqual([]);
      expect(figures.ok.trackEvents ?? 0).toBeGreaterThan(0);
      expect(figures.ok.upsertProfile ?? 0).toBeGreaterThan(0);
      // Afterwards every operation answers again, and nothing acknowledged is missing.
      expect((await api.fetch('/healthz')).status).toBe(200);
      expect(dataOf(await gql(PREVIEW, { rule: { all: [{ attr: 'purchases.count', op: 'gte', value: 1 }] } }) as never)).toBeTruthy();
      await runMixedLoad(gql, { clients: 1, durationMs: 1, tag: `after${suite.kind}` }).then((after) => expect(after.errors).toEqual({}));
      expect(await lostWrites(urlOf(database), figures)).toEqual({ events: 0, profiles: 0 });
      expect((await within(5_000, suite.db.execute(sql`select 1 as one`), 'a query after the load')).rows).toEqual([{ one: 1 }]);
    });

    it('the refresh scheduler logs a terminated connection and keeps going', async () => {
      const logged: string[] = [];
      const scheduler = startRefreshScheduler(suite.db, 20, (message) => logged.push(message));
      const terminator = await startTerminator(TEST_DATABASE_URL, database, 50);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await terminator.stop();
      scheduler.stop();
      await within(15_000, scheduler.runOnce(), 'a refresh pass after the terminations');
      expect(logged.length).toBeGreaterThan(0);
      await expect(within(15_000, scheduler.runOnce(), 'another refresh pass')).resolves.toBeUndefined();
      expect((await within(5_000, suite.db.execute(sql`select 1 as one`), 'a query')).rows).toEqual([{ one: 1 }]);
    });

    // Once a liveness defect: a job whose outcome could not be recorded (its connection was terminated
    // under the delete or the retry update) stayed locked by the live local runner, so settle() never
    // returned and the export stayed RUNNING. The runner now claims its own orphans again.
    it('an export built while backends are terminated ends (done or failed, never stuck) and the next one is done', async () => {
      const { segment } = dataOf(await api.gql('{ segment(slug: "buyers") { id } }', {}, ws.keys.admin));
      const create = 'mutation($id: ID!) { createAudienceExport(segmentId: $id, destination: META, format: CSV, mode: FULL) { id } }';
      const status = async (id: string) => dataOf(await api.gql('query($id: ID!) { audienceExport(id: $id) { status } }', { id }, ws.keys.admin)).audienceExport.status as string;
      const terminator = await startTerminator(TEST_DATABASE_URL, database, 20);
      const first = await api.gql(create, { id: segment.id }, ws.keys.admin);
      // The build runs under terminations for up to 5 s (settle's own queries are killed too while they
      // last, and a loaded machine opens connections slower than every 20 ms), then must end by itself.
      await Promise.race([api.jobs.settle(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await terminator.stop();
      await within(30_000, api.jobs.settle(), 'the export build');
      if (first.data) {
        const id = first.data.createAudienceExport.id as string;
        // A build that could not even claim its export stays QUEUED: the recovery sweep takes it up.
        if ((await status(id)) === 'QUEUED') {
          await resumeStaleExports(suite.db, api.jobs, { ...EXPORT_RECOVERY, deadAfterMs: 0 });
          await within(15_000, api.jobs.settle(), 'the export build restarted by the sweep');
        }
        // A build that lost its connection stays RUNNING while its job waits out its retry backoff
        // (e^attempt seconds): it must still end, by itself, within the attempts' backoffs.
        const deadline = Date.now() + 40_000;
        let last = await status(id);
        while (!['DONE', 'FAILED'].includes(last) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          await api.jobs.settle();
          last = await status(id);
        }
        expect(['DONE', 'FAILED']).toContain(last);
      } else expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      const next = dataOf(await api.gql(create, { id: segment.id }, ws.keys.admin));
      await within(15_000, api.jobs.settle(), 'the next export build');
      expect(await status(next.createAudienceExport.id)).toBe('DONE');
    }, 90_000);
  },
  ['postgres', 'neon'],
);
