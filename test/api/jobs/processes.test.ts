/**
 * Background work across processes on one PostgreSQL database (graphile-worker): two API processes
 * (one with its embedded worker, one with EMBEDDED_WORKER=off) and one `npm run worker`. A periodic
 * pass runs once per period across the three; kill -9 of the process building an export: another
 * finishes it (its dead-build sweep re-adds the job under the export's key, which graphile-worker
 * would otherwise hold locked for 4 hours) and the file equals one built without interruption.
 * Memberships follow writes made through the API without a worker: the worker process evaluates them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type OpenedDatabase } from '../../../api/db/index.js';
import { createServerDatabase } from '../../helpers/db.js';
import { startApiProcess, startWorkerProcess, type ApiProcess } from '../../helpers/api-process.js';
import { createTestWorkspace, type TestWorkspace } from '../harness.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { parseCsv } from '../exports/export-helpers.js';

const MEMBERS = 60_000;
const PERIOD_S = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: Awaited<ReturnType<typeof createServerDatabase>>;
let opened: OpenedDatabase;
let ws: TestWorkspace;
let segmentId: string;
const processes: Record<'embedded' | 'apiOnly' | 'worker', ApiProcess> = {} as never;
let env: Record<string, string>;

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const exportStatus = async (url: string, id: string) =>
  (await gql(url, ws.keys.admin, 'query($id: ID!) { audienceExport(id: $id) { status rowsDone rowCount error } }', { id })).audienceExport as {
    status: string;
    rowsDone: number;
    rowCount: number;
    error: string | null;
  };

async function download(url: string, id: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/exports/${id}`, { headers: { authorization: `Bearer ${ws.keys.admin}` } });
  expect(response.status).toBe(200);
  return (await response.text()).split('\r\n').filter((line) => line !== '');
}

beforeAll(async () => {
  server = await createServerDatabase();
  opened = await openDatabase({ driver: 'postgres', url: server.url, poolMax: 3 });
  ws = await createTestWorkspace(opened.db, 'Processes');
  // Profiles written by SQL have no export identifiers yet: the build computes them, which makes it long enough to kill.
  await opened.db.execute(sql`
    insert into profiles (workspace_id, external_id, email, consent_ads)
    select ${ws.workspaceId}, 'P-' || n, 'p' || n || '@example.com', true from generate_series(1, ${MEMBERS}) n`);
  segmentId = (await new SegmentService(opened.db, ws.workspaceId).create({ slug: 'everyone', name: 'Everyone', type: 'static' })).id;
  await opened.db.execute(sql`
    insert into segment_members (segment_id, profile_id, workspace_id) select ${segmentId}, id, workspace_id from profiles where workspace_id = ${ws.workspaceId}`);
  env = { DATABASE_URL: server.url, REFRESH_INTERVAL_MINUTES: String(PERIOD_S / 60) };
  [processes.embedded, processes.apiOnly, processes.worker] = await Promise.all([
    startApiProcess(env, 120_000),
    startApiProcess({ ...env, EMBEDDED_WORKER: 'off' }, 120_000),
    startWorkerProcess(env, 120_000),
  ]);
}, 300_000);

afterAll(async () => {
  for (const p of Object.values(processes)) await p?.kill('SIGKILL');
  await opened?.close();
  await server?.drop();
});

it('each periodic pass runs once across three processes', { timeout: 120_000 }, async () => {
  expect(processes.apiOnly.output()).toMatch(/no worker/);
  expect(processes.embedded.output()).toMatch(/embedded worker/);
  await sleep(4 * PERIOD_S * 1000);
  const passes = Object.values(processes).flatMap((p) => [...p.output().matchAll(/membership refresh pass (\S+):/g)].map((m) => m[1]!));
  const counts = new Map<string, number>();
  for (const period of passes) counts.set(period, (counts.get(period) ?? 0) + 1);
  console.log(`periodic passes over ${4 * PERIOD_S} s with a ${PERIOD_S} s period: ${JSON.stringify(Object.fromEntries(counts))}`);
  expect(counts.size).toBeGreaterThanOrEqual(3);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  // The process without a worker claimed periods too (its claims add jobs), yet ran none.
  expect(processes.apiOnly.output()).not.toMatch(/membership refresh pass/);
  const { rows } = await opened.db.execute<{ n: number }>(sql`select count(*)::int as n from job_periods where task = 'refresh-memberships'`);
  expect(rows[0]!.n).toBeGreaterThanOrEqual(counts.size);
});

it('kill -9 of the process building an export: another finishes it, and the file is complete and correct', { timeout: 240_000 }, async () => {
  const api = processes.apiOnly.url;
  const created = await gql(api, ws.keys.admin, 'mutation($s: ID!) { createAudienceExport(segmentId: $s, destination: GENERIC, format: CSV, mode: FULL) { id } }', { s: segmentId });
  const id = created.createAudienceExport.id as string;
  const started = new RegExp(`export ${id}: build job started`);
  let builder: ApiProcess | undefined;
  for (let i = 0; i < 600 && !builder; i++) {
    builder = [processes.embedded, processes.worker].find((p) => started.test(p.output()));
    if (!builder) await sleep(100);
  }
  expect(builder).toBeDefined();
  // Mid-build: some members done, the file not finished.
  let midway = await exportStatus(api, id);
  for (let i = 0; i < 600 && midway.rowsDone === 0; i++) midway = await sleep(50).then(() => exportStatus(api, id));
  expect(midway).toMatchObject({ status: 'RUNNING' });
  expect(midway.rowsDone).toBeGreaterThan(0);
  expect(midway.rowsDone).toBeLessThan(MEMBERS);
  await builder!.kill('SIGKILL');
  const killedAt = Date.now();
  const survivor = builder === processes.worker ? processes.embedded : processes.worker;

  let done = await exportStatus(api, id);
  while (done.status !== 'DONE' && done.status !== 'FAILED' && Date.now() - killedAt < 120_000) done = await sleep(500).then(() => exportStatus(api, id));
  console.log(`export killed at ${midway.rowsDone} of ${MEMBERS} members; finished by the survivor ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  expect(done).toMatchObject({ status: 'DONE', rowCount: MEMBERS, error: null });
  expect(survivor.output()).toMatch(started);

  // The same audience built again without interruption gives the same lines.
  const file = await download(api, id);
  const again = await gql(api, ws.keys.admin, 'mutation($s: ID!) { createAudienceExport(segmentId: $s, destination: GENERIC, format: CSV, mode: FULL) { id } }', { s: segmentId });
  const againId = again.createAudienceExport.id as string;
  let second = await exportStatus(api, againId);
  while (second.status !== 'DONE' && second.status !== 'FAILED') second = await sleep(500).then(() => exportStatus(api, againId));
  const reference = await download(api, againId);
  expect(file).toHaveLength(MEMBERS + 1);
  expect(new Set(parseCsv(file.slice(1).join('\r\n') + '\r\n').map((row) => row[1])).size).toBe(MEMBERS);
  expect([...file].sort()).toEqual([...reference].sort());
});

it('memberships follow writes through an API without a worker: the worker process evaluates them', { timeout: 120_000 }, async () => {
  // Only the API without a worker and a `npm run worker` process are left (the kill test above may have
  // killed the worker: start another).
  await processes.embedded.kill('SIGKILL');
  const workerGone = await Promise.race([processes.worker.exited.then(() => true), sleep(10).then(() => false)]);
  if (workerGone) processes.worker = await startWorkerProcess(env, 120_000);
  const survivors = [processes.apiOnly, processes.worker];
  const service = new SegmentService(opened.db, ws.workspaceId);
  const buyers = await service.create({ slug: 'vip-buyers', name: 'VIP buyers', type: 'dynamic', rule: { attr: 'purchases.count', op: 'gte', value: 3 } });
  await service.publish(buyers.id);
  const api = processes.apiOnly.url;
  // Three purchases through the API that runs no background work, without waiting for memberships.
  await gql(api, ws.keys.admin, 'mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { __typename } }', {
    e: [1, 2, 3].map((n) => ({ externalId: 'P-7', eventId: `vip-${n}`, name: 'purchase', timestamp: new Date().toISOString(), properties: { revenue: 10 } })),
  });
  const member = async () =>
    (await opened.db.execute<{ n: number }>(sql`select count(*)::int as n from segment_members m join profiles p on p.id = m.profile_id where m.segment_id = ${buyers.id} and p.external_id = 'P-7'`)).rows[0]!.n;
  // The periodic pass would add the member too (it recomputes every segment): the marks tell that an
  // evaluator took the written profile, and only the worker process runs one.
  const marks = async () => (await opened.db.execute<{ n: number }>(sql`select count(*)::int as n from dirty_profiles where workspace_id = ${ws.workspaceId}`)).rows[0]!.n;
  let left = await marks();
  for (let i = 0; i < 300 && left > 0; i++) left = await sleep(100).then(marks);
  expect(left).toBe(0);
  expect(await member()).toBe(1);
  expect(processes.apiOnly.output()).not.toMatch(/dirty profile evaluation failed/);
  for (const p of survivors) expect(await Promise.race([p.exited.then(() => 'exited'), sleep(10).then(() => 'alive')])).toBe('alive');
});
