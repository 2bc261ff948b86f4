/**
 * `npm run bench:export`: audience exports of a 1M-member segment to each destination on the real
 * PostgreSQL, in a fresh database `ae_bench_export_<timestamp>` dropped at the end. Profiles are
 * loaded in SQL, then their export identifiers are computed as a profile write would (normalise +
 * hash in JS, measured on its own); then per destination: the build (set-based SQL writing cells
 * and encoded lines), the streamed download of the file, and, as the same-run references, plain
 * `COPY (select ...) TO STDOUT` (psql) of the members' raw columns and of the export's stored lines,
 * with rows/s and peak RSS of each; and for the build, the floor of writing the same rows:
 * `insert into <table like audience_export_rows including all> select` of the export's rows.
 * Options: --members=N (default 1,000,000). BENCH_DATABASE_URL names the admin connection.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { createAudienceExport, getAudienceExport } from '../api/exports/exports.service.js';
import { startLocalJobRunner } from '../api/jobs/local-runner.js';
import { TASKS } from '../api/jobs/tasks.js';
import { backfillExportIdentifiers } from '../api/exports/identifiers.js';
import { exportStream } from '../api/exports/download.js';
import type { Destination } from '../api/exports/formats.js';
import { loadavg } from 'node:os';
import { fmt, formatTable, verdict } from './rules-measure.js';

const loadAverage = () => loadavg().map((n) => fmt(n, 1)).join(', ');

const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Targets (issue): the build >= 200k rows/s, the download >= 400k rows/s, at 1M members. */
const TARGET_BUILD_PER_S = 200_000;
const TARGET_DOWNLOAD_PER_S = 400_000;
const TARGET_RSS_MB = 150;
const membersArg = process.argv.find((a) => a.startsWith('--members='))?.split('=')[1];
const MEMBERS = membersArg === undefined ? 1_000_000 : Number(membersArg);
if (!Number.isSafeInteger(MEMBERS) || MEMBERS <= 0) throw new Error('--members must be a positive integer');

/** Runs `fn`, sampling RSS; returns its result, seconds and the peak RSS in MB. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; rssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = process.hrtime.bigint();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** `COPY (query) TO STDOUT` through psql; returns the number of lines it printed. */
function copyOut(url: string, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-qAtc', `COPY (${query}) TO STDOUT`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`psql exited with ${code}`))));
  });
}

const COPY_COLUMNS: Record<Destination, string> = {
  META: 'p.email, p.phone, p.first_name, p.last_name, p.city, p.region, p.postal_code, p.country, p.madid, p.external_id',
  GOOGLE: 'p.email, p.phone, p.first_name, p.last_name, p.country, p.postal_code',
  GENERIC:
    "p.id, p.external_id, (select string_agg(v.visitor_id, ';') from profile_visitors v where v.profile_id = p.id), p.email, p.phone, m.joined_at",
};

const name = `ae_bench_export_${Date.now()}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const opened = await openDatabase({ driver: 'postgres', url: url.toString(), poolMax: 4 });
const db = opened.db;
// The builds run in this process, as on one API with an embedded worker (the bench measures the build, not the queue).
const jobs = await startLocalJobRunner(db, TASKS, { pollMs: 50 });
try {
  console.log(`export bench: ${MEMBERS.toLocaleString('en-US')} members, database ${name}, Node ${process.version}, RSS at start ${fmt(process.memoryUsage().rss / 2 ** 20, 0)} MB, load average ${loadAverage()}`);
  const { workspace } = await createWorkspace(db, 'Bench');
  const segmentId = (await new SegmentService(db, workspace.id).create({ slug: 'everyone', name: 'Everyone', type: 'static' })).id;
  const load = await measure(async () => {
    await db.execute(sql`
      insert into profiles (workspace_id, external_id, email, phone, first_name, last_name, city, region, postal_code, country, consent_ads)
      select ${workspace.id}, 'crm-' || i, 'User.' || i || '@Example.com', '+8490' || lpad((i % 10000000)::text, 7, '0'),
        'Lan', 'Nguyễn', 'Hồ Chí Minh', 'Hồ Chí Minh', '700000', 'VN', true
      from generate_series(1, ${MEMBERS}) as i`);
    await db.execute(sql`
      insert into profile_visitors (workspace_id, visitor_id, profile_id) select workspace_id, 'v-' || external_id, id from profiles
      where workspace_id = ${workspace.id} and external_id like '%7'`);
    await db.execute(sql`insert into segment_members (segment_id, profile_id, workspace_id) select ${segmentId}, id, workspace_id from profiles where workspace_id = ${workspace.id}`);
    // What autovacuum does after a bulk load; without statistics the keyset batches are planned blind.
    await db.execute(sql`analyze profiles; analyze segment_members; analyze profile_visitors`);
  });
  console.log(`loaded in ${fmt(load.seconds, 1)} s`);
  const identifiers = await measure(async () => {
    const filled = await backfillExportIdentifiers(db);
    await db.execute(sql`analyze profile_export_identifiers`);
    return filled;
  });
  console.log(
    `export identifiers of ${identifiers.value.toLocaleString('en-US')} profiles (normalise + hash, the work a profile write does) in ${fmt(identifiers.seconds, 1)} s: ` +
      `${fmt(identifiers.value / identifiers.seconds, 0)} profiles/s, peak RSS ${fmt(identifiers.rssMb, 0)} MB`,
  );
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  console.log(`RSS before the exports ${fmt(rssBefore, 0)} MB`);

  const rows: string[][] = [];
  for (const destination of ['META', 'GOOGLE', 'GENERIC'] as const) {
    const build = await measure(async () => {
      const created = await createAudienceExport(db, jobs, workspace.id, { segmentId, destination, format: 'CSV', mode: 'FULL' });
      await jobs.settle();
      return getAudienceExport(db, workspace.id, created.id);
    });
    console.log(`${destination} build done, load average ${loadAverage()}`);
    const job = build.value;
    if (job.status !== 'done') throw new Error(`${destination} export ${job.status}: ${job.error}`);
    const download = await measure(async () => {
      const reader = exportStream(db, job).getReader();
      let bytes = 0;
      for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.byteLength;
      return bytes;
    });
    const copy = await measure(() =>
      copyOut(url.toString(), `select ${COPY_COLUMNS[destination]} from segment_members m join profiles p on p.id = m.profile_id where m.segment_id = '${segmentId}' and p.consent_ads`),
    );
    if (copy.value !== job.rowCount) console.warn(`COPY printed ${copy.value} rows, the export has ${job.rowCount}`);
    const copyLines = await measure(() => copyOut(url.toString(), `select line from audience_export_rows where export_id = '${job.id}' and sent order by profile_id, action`));
    // The floor of the build's writes: the rows it wrote, copied by one insert ... select into a table with the same indexes.
    await db.execute(sql`drop table if exists bench_rows_floor; create table bench_rows_floor (like audience_export_rows including all)`);
    const floor = await measure(() => db.execute(sql`insert into bench_rows_floor select * from audience_export_rows where export_id = ${job.id}`));
    await db.execute(sql`drop table bench_rows_floor`);
    const line = (what: string, m: { seconds: number; rssMb: number }, extra = '') => {
      const perS = job.rowCount / m.seconds;
      const growth = m.rssMb - rssBefore;
      rows.push([`${destination} ${what}`, job.rowCount.toLocaleString('en-US'), fmt(m.seconds, 2), fmt(perS, 0), `${fmt(m.rssMb, 0)} (+${fmt(Math.max(0, growth), 0)})`, extra]);
    };
    const verdicts = (m: { seconds: number; rssMb: number }, target: number) =>
      `${verdict(job.rowCount / m.seconds >= target)} / RSS ${verdict(m.rssMb - rssBefore < TARGET_RSS_MB)}`;
    line('build', build, verdicts(build, TARGET_BUILD_PER_S));
    line('insert..select of the built rows, same indexes', floor, 'reference (write floor)');
    line(`download (${fmt(download.value / 2 ** 20, 0)} MB)`, download, verdicts(download, TARGET_DOWNLOAD_PER_S));
    line('COPY raw columns (psql)', copy, 'reference');
    line('COPY stored lines (psql)', copyLines, 'reference');
  }
  console.log(`\nload average at the end: ${loadAverage()}`);
  console.log(`targets: build >= ${TARGET_BUILD_PER_S.toLocaleString('en-US')} rows/s, download >= ${TARGET_DOWNLOAD_PER_S.toLocaleString('en-US')} rows/s, peak RSS growth < ${TARGET_RSS_MB} MB over the ${fmt(rssBefore, 0)} MB before the exports (RSS of this process; COPY runs in psql)\n`);
  console.log(formatTable(['phase', 'rows', 's', 'rows/s', 'peak RSS MB (growth)', 'verdict'], rows));
} finally {
  await jobs.stop();
  await opened.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
