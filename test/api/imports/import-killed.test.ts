/**
 * A bulk import whose process is killed (kill -9, on PostgreSQL and on a PGlite folder): its record
 * must not say `running` for ever. The chunks committed before the kill stay, the import reads as
 * failed once its heartbeat is stale, with how far it got, and sending the file again finishes it.
 * A live import whose sender pauses keeps renewing its heartbeat and stays `running`.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../../api/db/index.js';
import { getImport, IMPORT_LIMITS, runImport } from '../../../api/imports/imports.service.js';
import { profiles, workspaces } from '../../../drizzle/index.js';
import { startApiProcess } from '../../helpers/api-process.js';
import { createServerDatabase } from '../../helpers/db.js';
import { prepareTarget } from '../../helpers/kill-cycles.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace } from '../harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LINES = IMPORT_LIMITS.chunkRows + 2_000;
const file = Array.from({ length: LINES }, (_, i) => JSON.stringify({ externalId: `killed-${i}`, city: 'Hue' })).join('\n') + '\n';

type Target = { kind: 'postgres'; url: string; drop(): Promise<void> } | { kind: 'pglite'; dataDir: string };

describe.each(['postgres', 'pglite'] as const)('an import whose process is killed (%s)', (kind) => {
  let target: Target;
  let key: string;
  beforeAll(async () => {
    target = kind === 'postgres' ? { kind, ...(await createServerDatabase()) } : { kind, dataDir: mkdtempSync(join(tmpdir(), 'ae-import-killed-')) };
    key = await prepareTarget(target);
  }, 120_000);
  afterAll(async () => {
    if (target?.kind === 'postgres') await target.drop();
    else if (target) rmSync(target.dataDir, { recursive: true, force: true });
  });

  const open = () => (target.kind === 'postgres' ? openDatabase({ driver: 'postgres', url: target.url, poolMax: 2 }) : openDatabase({ driver: 'pglite', dataDir: target.dataDir }));

  it('is recorded as failed with its committed lines, and the file sent again finishes it', async () => {
    const api = await startApiProcess(target.kind === 'postgres' ? { DATABASE_URL: target.url } : { PGLITE_DIR: target.dataDir }, 90_000);
    const id = crypto.randomUUID();
    try {
      const req = request(new URL(`${api.url}/v1/imports/profiles?id=${id}`), {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}`, 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => undefined);
      req.write(file); // the whole body, never ended: the process is killed while it waits for more
      for (let tries = 0; ; tries++) {
        const shown = await fetch(`${api.url}/v1/imports/${id}`, { headers: { authorization: `Bearer ${key}` } });
        if (shown.status === 200 && ((await shown.json()) as { linesRead: number }).linesRead >= IMPORT_LIMITS.chunkRows) break;
        if (tries > 1_200) throw new Error(`the first chunk was never committed:\n${api.output()}`);
        await sleep(50);
      }
      await api.kill('SIGKILL');
      req.destroy();
    } finally {
      await api.kill('SIGKILL');
    }

    const opened = await open();
    try {
      const [ws] = await opened.db.select({ id: workspaces.id }).from(workspaces);
      const running = await getImport(opened.db, ws!.id, id);
      expect(running?.status).toBe('running'); // its heartbeat is recent: it might still be alive
      await sleep(1_100);
      const failed = await getImport(opened.db, ws!.id, id, 1_000);
      expect(failed).toMatchObject({ status: 'failed', linesRead: IMPORT_LIMITS.chunkRows, accepted: IMPORT_LIMITS.chunkRows });
      expect(failed?.failure).toMatch(/interrupted: the process running it stopped.*lines up to 10000 are committed: send the same file again/);
      expect(failed?.finishedAt).not.toBeNull();
      // Recorded, not only shown: read with the default threshold it stays failed.
      expect((await getImport(opened.db, ws!.id, id))?.status).toBe('failed');
      const count = async () => (await opened.db.select({ n: sql<number>`count(*)::int` }).from(profiles).where(and(eq(profiles.workspaceId, ws!.id), sql`${profiles.externalId} like 'killed-%'`)))[0]!.n;
      expect(await count()).toBe(IMPORT_LIMITS.chunkRows);

      const again = await runImport(opened.db, { workspaceId: ws!.id, type: 'profiles', format: 'ndjson', body: (async function* () {
        yield new TextEncoder().encode(file);
      })(), now: () => new Date() });
      expect(again).toMatchObject({ status: 'done', accepted: LINES, created: LINES - IMPORT_LIMITS.chunkRows });
      expect(await count()).toBe(LINES);
    } finally {
      await opened.close();
    }
  }, 180_000);
});

describeEachDatabase('a live import whose sender pauses', (suite) => {
  let db: Database;
  let workspaceId: string;
  const saved = { heartbeatMs: IMPORT_LIMITS.heartbeatMs };
  beforeAll(async () => {
    db = suite.db;
    workspaceId = (await createTestWorkspace(db, 'Paused import')).workspaceId;
    IMPORT_LIMITS.heartbeatMs = 200;
  });
  afterAll(() => {
    IMPORT_LIMITS.heartbeatMs = saved.heartbeatMs;
  });

  it('renews its heartbeat and is never taken for dead', async () => {
    const id = crypto.randomUUID();
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    async function* body() {
      yield new TextEncoder().encode('{"externalId":"paused-1"}\n');
      await paused;
      yield new TextEncoder().encode('{"externalId":"paused-2"}\n');
    }
    const importing = runImport(db, { workspaceId, type: 'profiles', format: 'ndjson', body: body(), now: () => new Date(), id });
    for (let i = 0; i < 5; i++) {
      await sleep(400);
      expect((await getImport(db, workspaceId, id, 1_000))?.status).toBe('running');
    }
    resume();
    expect(await importing).toMatchObject({ status: 'done', accepted: 2 });
    expect((await getImport(db, workspaceId, id, 1_000))?.status).toBe('done');
  }, 60_000);
});
