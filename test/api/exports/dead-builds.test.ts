/**
 * A build whose process died is noticed and restarted within deadAfterMs + sweepMs (20 + 10 s) of its
 * last heartbeat, never handed back by createAudienceExport meanwhile, and restarted by one process
 * only; a live build keeps beating through a long statement, and one taken over stops without
 * touching the export. Timings in the sweep tests are the real ones scaled down 10x.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../../api/db/index.js';
import { describeEachDatabase, createServerDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, startTestJobs, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { EXPORT_RECOVERY, resumeStaleExports, startExportRecovery, type ExportRecoveryTiming } from '../../../api/exports/exports.service.js';
import { settleExportBuilds, startExportBuild } from '../../../api/exports/build.js';
import type { Database } from '../../../api/db/index.js';
import { readExport, requestExport, waitForExport } from './export-helpers.js';

const SCALED: ExportRecoveryTiming = { heartbeatMs: 500, deadAfterMs: 2_000, sweepMs: 1_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function exportRow(db: Database, id: string) {
  const { rows } = await db.execute<{ status: string; started: string | null; age_ms: number; rows: number }>(sql`
    select status, started_at::text as started, (extract(epoch from now() - updated_at) * 1000)::int as age_ms,
      (select count(*)::int from audience_export_rows where export_id = e.id) as rows
    from audience_exports e where id = ${id}`);
  return rows[0]!;
}

async function setUp(db: Database, name: string) {
  const ws = await createTestWorkspace(db, name);
  const { profiles } = await upsertProfiles(db, ws.workspaceId, [
    { externalId: 'D-1', email: 'd1@example.com', consent: { ads: true } },
    { externalId: 'D-2', email: 'd2@example.com', consent: { ads: true } },
  ]);
  const segments = new SegmentService(db, ws.workspaceId);
  const segment = async (slug: string) => {
    const id = (await segments.create({ slug, name: slug, type: 'static' })).id;
    await segments.addToStatic(id, profiles.map((p) => p.id));
    return id;
  };
  /** An export whose build claimed it, beat last `age` ago and wrote half its rows, and whose process is gone. */
  const orphan = async (segmentId: string, age: string, status = 'running') => {
    const { rows } = await db.execute<{ id: string }>(sql`
      insert into audience_exports (workspace_id, segment_id, destination, format, mode, status, rows_total, rows_done, row_count, started_at, updated_at)
      values (${ws.workspaceId}, ${segmentId}, 'META', 'CSV', 'FULL', ${status}, 2, 1, 1, now() - interval '1 minute', now() - ${age}::interval) returning id`);
    const id = rows[0]!.id;
    await db.execute(sql`
      insert into audience_export_rows (export_id, profile_id, action, sent, cells, line)
      values (${id}, ${profiles[0]!.id}, 'add', true, '["half"]', 'half,written' || E'\\r\\n')`);
    return id;
  };
  return { ws, segment, orphan };
}

describeEachDatabase('dead export builds', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let fixture: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    fixture = await setUp(suite.db, 'Dead builds');
    ws = fixture.ws;
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  it('a build that stops beating is restarted by the sweep within deadAfter + sweep of its last beat, not before, and completes', async () => {
    const segmentId = await fixture.segment('died-now');
    const died = Date.now();
    const id = await fixture.orphan(segmentId, '0 seconds');
    const before = await exportRow(suite.db, id);
    const recovery = startExportRecovery(suite.db, api.jobs, SCALED);
    try {
      let restartedAfter = -1;
      while (Date.now() - died < 3 * (SCALED.deadAfterMs + SCALED.sweepMs)) {
        const now = await exportRow(suite.db, id);
        if (now.started !== before.started) {
          restartedAfter = Date.now() - died;
          break;
        }
        // Until it is found dead, a request for the same audience gets the build in progress.
        await sleep(20);
      }
      // 30 s at the real timings (plus up to 0.4 s of a loaded test machine's latency).
      expect(restartedAfter).toBeGreaterThanOrEqual(SCALED.deadAfterMs);
      expect(restartedAfter).toBeLessThanOrEqual(SCALED.deadAfterMs + SCALED.sweepMs + 400);
      const done = await waitForExport(api, ws.keys.viewer, id);
      expect(done).toMatchObject({ id, status: 'DONE', rowCount: 2, error: null });
      expect((await exportRow(suite.db, id)).rows).toBe(2);
    } finally {
      recovery.stop();
      await api.jobs.settle();
    }
  });

  it('createAudienceExport never hands back a build dead for longer than deadAfterMs: it fails it (rows deleted) and builds anew', async () => {
    const segmentId = await fixture.segment('dead-21s');
    const dead = await fixture.orphan(segmentId, `${EXPORT_RECOVERY.deadAfterMs / 1000 + 1} seconds`);
    const fresh = await requestExport(api, ws.keys.editor, segmentId, 'META', 'CSV', 'FULL');
    expect(fresh.id).not.toBe(dead);
    expect(await waitForExport(api, ws.keys.viewer, fresh.id)).toMatchObject({ status: 'DONE', rowCount: 2 });
    expect(await readExport(api, ws.keys.viewer, dead)).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/stopped without finishing/) });
    expect((await exportRow(suite.db, dead)).rows).toBe(0);
    // A queued one that never started is as dead.
    const queued = await fixture.orphan(await fixture.segment('dead-queued-21s'), '21 seconds', 'queued');
    expect(await resumeStaleExports(suite.db, api.jobs)).toEqual([queued]);
    await api.jobs.settle();
    expect(await readExport(api, ws.keys.viewer, queued)).toMatchObject({ status: 'DONE', rowCount: 2 });
  });

  it('a build beating more recently than deadAfterMs is left alone by the sweep and reused by a request', async () => {
    const segmentId = await fixture.segment('beating');
    const alive = await fixture.orphan(segmentId, `${EXPORT_RECOVERY.deadAfterMs / 1000 - 5} seconds`);
    expect(await resumeStaleExports(suite.db, api.jobs)).toEqual([]);
    expect(await requestExport(api, ws.keys.editor, segmentId, 'META', 'CSV', 'FULL')).toMatchObject({ id: alive, status: 'RUNNING' });
    await suite.db.execute(sql`delete from audience_exports where id = ${alive}`);
  });
});

describeEachDatabase(
  'export builds beside another process',
  (suite) => {
    let fixture: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      fixture = await setUp(suite.db, 'Two processes');
    });

    /** Holds an exclusive lock on segment_members from another connection, so a build waits in its first statement on it. */
    async function holdMembers(ms: number): Promise<void> {
      await suite.db.transaction(async (tx) => {
        await tx.execute(sql`lock table segment_members in access exclusive mode`);
        await sleep(ms);
      });
    }

    it('a build waiting in a long statement keeps beating on its timer, so nobody takes it for dead', async () => {
      const segmentId = await fixture.segment('long-statement');
      const id = (await fixture.orphan(segmentId, '0 seconds', 'queued'));
      await suite.db.execute(sql`delete from audience_export_rows where export_id = ${id}`);
      const held = holdMembers(3 * SCALED.deadAfterMs);
      await sleep(100);
      startExportBuild(suite.db, id, SCALED.heartbeatMs);
      const samples: Array<{ status: string; age_ms: number }> = [];
      for (let i = 0; i < 5; i++) {
        await sleep(SCALED.deadAfterMs / 2);
        samples.push(await exportRow(suite.db, id));
      }
      await held;
      await settleExportBuilds();
      // Still in its first statement on the members for 5 s (2.5 x deadAfter), yet its beat is never older than one interval and a bit.
      expect(samples.every((r) => r.status === 'running')).toBe(true);
      expect(Math.max(...samples.map((r) => r.age_ms))).toBeLessThan(SCALED.deadAfterMs / 2);
      expect(await exportRow(suite.db, id)).toMatchObject({ status: 'done', rows: 2 });
    });

    it('a build taken over while it waited stops without touching the export its successor owns', async () => {
      const segmentId = await fixture.segment('taken-over');
      const id = await fixture.orphan(segmentId, '0 seconds', 'queued');
      await suite.db.execute(sql`delete from audience_export_rows where export_id = ${id}`);
      const held = holdMembers(2 * SCALED.heartbeatMs + 500);
      await sleep(100);
      startExportBuild(suite.db, id, SCALED.heartbeatMs);
      await sleep(200);
      // Another process found it dead and restarted it: requeued, then claimed by its build.
      await suite.db.execute(sql`update audience_exports set status = 'running', started_at = now() + interval '1 second', updated_at = now() where id = ${id}`);
      const successor = await exportRow(suite.db, id);
      await held;
      await settleExportBuilds();
      expect(await exportRow(suite.db, id)).toMatchObject({ status: 'running', started: successor.started, rows: 0 });
    });

    it('two processes sweeping at once restart each dead build once', async () => {
      const server = await createServerDatabase();
      const [a, b] = [await openDatabase({ driver: 'postgres', url: server.url, poolMax: 3 }), await openDatabase({ driver: 'postgres', url: server.url, poolMax: 3, migrate: false })];
      try {
        const other = await setUp(a.db, 'Sweeps');
        const dead = [];
        for (let i = 0; i < 8; i++) dead.push(await other.orphan(await other.segment(`dead-${i}`), '1 minute'));
        // Queues only: what counts is that each dead build is requeued (and its job added) once.
        const [queueA, queueB] = [await startTestJobs(a.db, { runWorkers: false }), await startTestJobs(b.db, { runWorkers: false })];
        const [fromA, fromB] = await Promise.all([resumeStaleExports(a.db, queueA), resumeStaleExports(b.db, queueB)]);
        expect([...fromA, ...fromB].sort()).toEqual(dead.sort());
        const { rows } = await a.db.execute<{ key: string }>(sql`select job_key as key from jobs where task = 'build-export' order by job_key`);
        expect(rows.map((r) => r.key)).toEqual(dead.map((id) => `export:${id}`).sort());
      } finally {
        await a.close();
        await b.close();
        await server.drop();
      }
    });
  },
  ['postgres'],
);
