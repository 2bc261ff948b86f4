/**
 * The job interface's semantics on the local runner (PGlite's; also over PostgreSQL here) and, on
 * PostgreSQL, the export build as a job: a job key names one pending job; a failing task is retried
 * with backoff and given up after maxAttempts; a queued export survives a restart of a PGlite
 * process; an export whose connection drops mid-build is retried and done, while a failure that is
 * not a lost connection fails it at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../../api/db/index.js';
import { describeEachDatabase, TEST_DATABASE_URL } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { startLocalJobRunner } from '../../../api/jobs/local-runner.js';
import { TASKS } from '../../../api/jobs/tasks.js';
import type { TaskList } from '../../../api/jobs/jobs.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { enqueueExportBuild } from '../../../api/exports/exports.service.js';
import { requestExport, waitForExport } from '../exports/export-helpers.js';
import { embeddedWorkerFromEnv, jobRunnerOptionsFromEnv } from '../../../api/jobs/background.js';
import { periodicTasks } from '../../../api/jobs/tasks.js';
import { runApiProcessToExit } from '../../helpers/api-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tasks that record their runs: refresh-memberships fails until `failures` runs have failed. */
function recordingTasks(runs: Array<Record<string, unknown>>, failures = { left: 0 }): TaskList {
  return {
    ...TASKS,
    'refresh-memberships': async (payload, context) => {
      runs.push({ ...payload, attempt: context.attempt });
      if (failures.left-- > 0) throw new Error('failing on purpose');
    },
  };
}

async function pending(db: Database) {
  const { rows } = await db.execute<{ key: string | null; payload: Record<string, unknown>; attempts: number; last_error: string | null }>(
    sql`select job_key as key, payload, attempts, last_error from jobs where task = 'refresh-memberships' order by id`,
  );
  return rows;
}

it('bad settings are refused naming the variable; npm run worker on PGlite refuses to start', { timeout: 60_000 }, async () => {
  expect(() => embeddedWorkerFromEnv({ EMBEDDED_WORKER: 'no' })).toThrow(/EMBEDDED_WORKER must be 'on' or 'off', not 'no'/);
  expect([embeddedWorkerFromEnv({}), embeddedWorkerFromEnv({ EMBEDDED_WORKER: 'off' })]).toEqual([true, false]);
  expect(() => jobRunnerOptionsFromEnv(true, { WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY must be a whole number >= 1, not '0'/);
  expect(() => periodicTasks({ REFRESH_INTERVAL_MINUTES: 'soon' })).toThrow(/REFRESH_INTERVAL_MINUTES must be a number of minutes >= 0, not 'soon'/);
  const daily = [{ task: 'prune-edge-reach', everyMs: 3_600_000 }, { task: 'fit-predictive-models', everyMs: 86_400_000, maxAttempts: 3 }];
  expect(periodicTasks({ REFRESH_INTERVAL_MINUTES: '0' })).toEqual(daily);
  expect(periodicTasks({ REFRESH_INTERVAL_MINUTES: '0.05' })).toEqual([{ task: 'refresh-memberships', everyMs: 3000 }, ...daily]);
  const worker = await runApiProcessToExit({}, 60_000, 'api/worker.ts');
  expect(worker.code).toBe(1);
  expect(worker.output).toMatch(/npm run worker needs PostgreSQL \(DATABASE_URL\)/);
});

describeEachDatabase('the local job runner', (suite) => {
  beforeAll(async () => {
    await suite.db.execute(sql`delete from jobs`);
  });

  it('a job key names one pending job: adding again replaces its payload', async () => {
    const queue = await startLocalJobRunner(suite.db, TASKS, { runWorkers: false });
    await queue.addJob('refresh-memberships', { n: 1 }, { jobKey: 'k', runAt: new Date(Date.now() + 60_000) });
    await queue.addJob('refresh-memberships', { n: 2 }, { jobKey: 'k', runAt: new Date(Date.now() + 60_000) });
    await queue.addJob('refresh-memberships', { n: 3 }, { runAt: new Date(Date.now() + 60_000) });
    expect((await pending(suite.db)).map((j) => [j.key, j.payload])).toEqual([
      ['k', { n: 2 }],
      [null, { n: 3 }],
    ]);
    await suite.db.execute(sql`delete from jobs`);
  });

  it('a failing task is retried with backoff, then given up after maxAttempts and kept with its error', { timeout: 30_000 }, async () => {
    const runs: Array<Record<string, unknown>> = [];
    const runner = await startLocalJobRunner(suite.db, recordingTasks(runs, { left: 5 }), { pollMs: 100 });
    try {
      await runner.addJob('refresh-memberships', { n: 'retried' }, { maxAttempts: 2 });
      await runner.settle();
      expect(runs).toEqual([{ n: 'retried', attempt: 1 }]);
      // exp(1) s later, the second and last attempt.
      const deadline = Date.now() + 10_000;
      while (runs.length < 2 && Date.now() < deadline) await sleep(100);
      await runner.settle();
      expect(runs).toEqual([
        { n: 'retried', attempt: 1 },
        { n: 'retried', attempt: 2 },
      ]);
      expect(await pending(suite.db)).toEqual([{ key: null, payload: { n: 'retried' }, attempts: 2, last_error: expect.stringMatching(/failing on purpose/) }]);
    } finally {
      await runner.stop();
      await suite.db.execute(sql`delete from jobs`);
    }
  });

  it('a bad payload fails the job with a message naming what was expected', async () => {
    const runner = await startLocalJobRunner(suite.db, TASKS, { pollMs: 100 });
    try {
      await runner.addJob('build-export', { exportId: 42 }, { maxAttempts: 1 });
      await runner.settle();
      const { rows } = await suite.db.execute<{ last_error: string }>(sql`select last_error from jobs where task = 'build-export'`);
      expect(rows[0]!.last_error).toMatch(/build-export needs \{ exportId: string \}, got \{"exportId":42\}/);
    } finally {
      await runner.stop();
      await suite.db.execute(sql`delete from jobs`);
    }
  });

  it('a job whose outcome could not be recorded (delete and release both fail) is claimed again, not left locked', { timeout: 30_000 }, async () => {
    // The database refuses the first two "job finished" writes (the delete, then the release of the
    // failure path), as when the connection dies under them; a sequence counts outside transactions.
    await suite.db.execute(sql`create sequence job_record_faults`);
    await suite.db.execute(sql.raw(`
      create function refuse_job_records() returns trigger language plpgsql as $$
      begin
        if (tg_op = 'DELETE' or new.locked_at is null) and nextval('job_record_faults') <= 2 then
          raise exception 'job record refused (injected)';
        end if;
        return case when tg_op = 'DELETE' then old else new end;
      end $$`));
    await suite.db.execute(sql`create trigger refuse_job_records before delete or update on jobs for each row execute function refuse_job_records()`);
    const runs: Array<Record<string, unknown>> = [];
    const runner = await startLocalJobRunner(suite.db, recordingTasks(runs), { pollMs: 100 });
    try {
      await runner.addJob('refresh-memberships', { n: 1 });
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('settle() never returned: the job stayed locked')), 20_000)));
      await Promise.race([runner.settle(), stuck]).finally(() => clearTimeout(timer));
      expect(runs.map((run) => run.n)).toEqual([1, 1]);
      expect(await pending(suite.db)).toEqual([]);
    } finally {
      await runner.stop();
      await suite.db.execute(sql`drop trigger refuse_job_records on jobs`);
      await suite.db.execute(sql`drop function refuse_job_records()`);
      await suite.db.execute(sql`drop sequence job_record_faults`);
    }
  });
});

it('PGlite: a job queued before a restart runs after it, and a job locked by the dead process is run again', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ae-jobs-'));
  try {
    let opened = await openDatabase({ driver: 'pglite', dataDir: dir });
    const queue = await startLocalJobRunner(opened.db, TASKS, { runWorkers: false });
    await queue.addJob('refresh-memberships', { n: 'queued' });
    await queue.addJob('refresh-memberships', { n: 'was running' });
    // As if a runner of the process that died had claimed it.
    await opened.db.execute(sql`update jobs set locked_at = now(), locked_by = 'local:dead', attempts = 1 where payload->>'n' = 'was running'`);
    await opened.close();

    opened = await openDatabase({ driver: 'pglite', dataDir: dir });
    const runs: Array<Record<string, unknown>> = [];
    const runner = await startLocalJobRunner(opened.db, recordingTasks(runs), { pollMs: 100 });
    await runner.settle();
    await runner.stop();
    expect(runs.map((r) => r.n).sort()).toEqual(['queued', 'was running']);
    expect(runs.find((r) => r.n === 'was running')?.attempt).toBe(2);
    expect(await pending(opened.db)).toEqual([]);
    await opened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeEachDatabase(
  'export builds as jobs',
  (suite) => {
    let api: TestApi;
    let ws: TestWorkspace;
    let segments: SegmentService;
    let profileIds: string[];
    let admin: pg.Client;

    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Build jobs');
      const { profiles } = await upsertProfiles(suite.db, ws.workspaceId, [
        { externalId: 'J-1', email: 'j1@example.com', consent: { ads: true } },
        { externalId: 'J-2', email: 'j2@example.com', consent: { ads: true } },
      ]);
      profileIds = profiles.map((p) => p.id);
      segments = new SegmentService(suite.db, ws.workspaceId);
      api = await startTestApi(suite.db);
      const { rows } = await suite.db.execute<{ name: string }>(sql`select current_database() as name`);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${rows[0]!.name}`;
      admin = new pg.Client({ connectionString: url.toString() });
      await admin.connect();
    });
    afterAll(async () => {
      await api?.close();
      await admin?.end();
    });

    /** Requests an export while segment_members is locked; `hit` gets the pid of the build's backend waiting on it. */
    async function exportHitWhileWaiting(slug: string, hit: (pid: number) => Promise<unknown>) {
      const segmentId = (await segments.create({ slug, name: slug, type: 'static' })).id;
      await segments.addToStatic(segmentId, profileIds);
      await admin.query('begin');
      await admin.query('lock table segment_members in access exclusive mode');
      const requested = await requestExport(api, ws.keys.editor, segmentId, 'META', 'CSV', 'FULL');
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        // pg_stat_activity is a snapshot per transaction, and this one holds the lock in a transaction.
        await admin.query('select pg_stat_clear_snapshot()');
        const { rows } = await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock' and query like '%segment_members%'`,
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await sleep(50);
      }
      expect(pid).toBeDefined();
      await hit(pid!);
      await admin.query('rollback');
      return requested.id;
    }

    it('a build whose connection is lost mid-build is retried and done, not left FAILED', { timeout: 60_000 }, async () => {
      const id = await exportHitWhileWaiting('connection-lost', (pid) => admin.query('select pg_terminate_backend($1)', [pid]));
      const done = await waitForExport(api, ws.keys.viewer, id, [], 30_000);
      expect(done).toMatchObject({ status: 'DONE', rowCount: 2, error: null });
      const { rows } = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where job_key = ${`export:${id}`}`);
      expect(rows[0]!.n).toBe(0);
    });

    it('a failure that is not a lost connection fails the export at once (no retry)', { timeout: 60_000 }, async () => {
      const id = await exportHitWhileWaiting('cancelled', (pid) => admin.query('select pg_cancel_backend($1)', [pid]));
      const failed = await waitForExport(api, ws.keys.viewer, id, [], 30_000);
      expect(failed).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/could not be built/) });
      await api.jobs.settle();
      const { rows } = await suite.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where job_key = ${`export:${id}`}`);
      expect(rows[0]!.n).toBe(0);
    });
  },
  ['postgres'],
);
