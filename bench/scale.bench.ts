/**
 * `npm run bench:scale`: the figures behind bench/README.md "Past one machine": how per-workspace
 * work grows with the workspace (10k, 100k and 1M profiles in one table of 1.11M), what hash
 * partitioning by workspace changes (a partitioned copy of `profiles`, the same rows), and what a
 * profile, an event and a membership cost on disk, with their indexes.
 * Creates `ae_bench_<timestamp>` (BENCH_DATABASE_URL admin URL), drops it at the end.
 * Options: --big=N (default 1,000,000; the other two workspaces are N/10 and N/100), --runs=N (5),
 * --partitions=N (16).
 */
import 'reflect-metadata';
import { totalmem } from 'node:os';
import type pg from 'pg';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { benchClient, createBenchDatabase } from './db-database.js';
import { BENCH_TRAITS, loadSynthetic } from './db-load.js';
import { FOUR_CONDITION_RULE } from './db-segments.js';
import { fmt, median } from './rules-measure.js';

const option = (name: string, fallback: number): number => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const BIG = option('big', 1_000_000);
const RUNS = option('runs', 5);
const PARTITIONS = option('partitions', 16);
const NOW = Date.now();
const log = (line: string) => console.log(line);
const ms = (value: number) => `${fmt(value, value < 10 ? 2 : 1)} ms`;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

/** Execution time, pages touched (shared buffers hit or read, the plan's top node) and the scans of an EXPLAIN ANALYZE (median of RUNS). */
async function explained(client: pg.Client, text: string, params: unknown[]): Promise<{ ms: number; pages: number; scans: string }> {
  const times: number[] = [];
  let plan = '';
  await client.query(text, params); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${text}`, params);
    plan = result.rows.map((r) => r['QUERY PLAN']).join('\n');
    times.push(Number(/Execution Time: ([0-9.]+) ms/.exec(plan)?.[1]));
  }
  const scanned = [...plan.matchAll(/((?:Parallel )?(?:Seq|Index Only|Index|Bitmap Heap|Bitmap Index) Scan)(?: using (\S+))? on (\S+)/g)].map((m) => `${m[1]} ${m[2] ?? m[3]}`);
  const removed = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const buffers = /Buffers: shared( hit=(\d+))?( read=(\d+))?/.exec(plan);
  const pages = Number(buffers?.[2] ?? 0) + Number(buffers?.[4] ?? 0);
  return { ms: median(times), pages, scans: `${[...new Set(scanned)].join(', ')}${removed ? `; ${removed.toLocaleString('en-US')} rows filtered out` : ''}` };
}

const bench = await createBenchDatabase();
log(`scale bench: workspaces of ${(BIG / 100).toLocaleString('en-US')}, ${(BIG / 10).toLocaleString('en-US')} and ${BIG.toLocaleString('en-US')} profiles in one table; database ${bench.name}`);
let opened: Awaited<ReturnType<typeof openDatabase>> | undefined;
const clients: pg.Client[] = [];
try {
  opened = await openDatabase({ driver: 'postgres', url: bench.url });
  const db = opened.db;
  const [a, b] = [await benchClient(bench.url), await benchClient(bench.url)];
  clients.push(a, b);
  const settings = await a.query<{ v: string; s: string; w: string }>(`select version() as v, current_setting('shared_buffers') as s, current_setting('work_mem') as w`);
  log(`  ${settings.rows[0]?.v.split(' on ')[0]}; shared_buffers ${settings.rows[0]?.s}, work_mem ${settings.rows[0]?.w}; machine RAM ${fmt(totalmem() / 2 ** 30, 1)} GiB`);

  const now = new Date(NOW);
  const sizes = [BIG, BIG / 10, BIG / 100].map(Math.round);
  const workspaces: { size: number; id: string; service: SegmentService }[] = [];
  for (const size of sizes) {
    const { workspace } = await createWorkspace(db, `Scale ${size}`, now);
    for (const trait of BENCH_TRAITS) await defineTrait(db, workspace.id, trait.name, trait.type, trait.description, now);
    log(`\nLoad ${size.toLocaleString('en-US')} profiles`);
    const loaded = await loadSynthetic([a, b], workspace.id, size, NOW, log);
    log(`  ${loaded.events.toLocaleString('en-US')} events; ${fmt(loaded.totalS, 1)} s in all`);
    workspaces.push({ size, id: workspace.id, service: new SegmentService(db, workspace.id, () => now) });
  }
  workspaces.sort((x, y) => x.size - y.size);

  log('\nPer workspace, all in one table (medians):');
  log('| profiles in the workspace | countMatching, 4 conditions | publish 4-condition (set-based insert of members) | publish `plan in [pro, enterprise]` | members written |');
  log('| --: | --: | --: | --: | --: |');
  for (const ws of workspaces) {
    const validated = await ws.service.validate(FOUR_CONDITION_RULE);
    if (!validated.ok) throw new Error('4-condition rule invalid');
    await ws.service.countMatching(validated.rule, NOW);
    const counts: number[] = [];
    for (let i = 0; i < RUNS; i++) counts.push((await timed(() => ws.service.countMatching(validated.rule, NOW))).ms);
    const four = await ws.service.create({ slug: 'four', name: 'Four', type: 'dynamic', rule: FOUR_CONDITION_RULE });
    const publishFour = await timed(() => ws.service.publish(four.id));
    const broad = await ws.service.create({ slug: 'paying-plans', name: 'Paying plans', type: 'dynamic', rule: { attr: 'traits.plan', op: 'in', value: ['pro', 'enterprise'] } });
    const publishBroad = await timed(() => ws.service.publish(broad.id));
    const members = await a.query<{ n: number }>('select count(*)::int as n from segment_members where workspace_id = $1', [ws.id]);
    log(`| ${ws.size.toLocaleString('en-US')} | ${ms(median(counts))} | ${ms(publishFour.ms)} | ${ms(publishBroad.ms)} | ${members.rows[0]?.n.toLocaleString('en-US')} |`);
  }

  log(`\nHash partitioning by workspace: a copy of profiles in ${PARTITIONS} partitions (same rows, the same indexes; the primary key on id as a plain index)`);
  // Every index of profiles, on the partitioned parent (one per partition); a unique index without
  // the partition key (the primary key on id) cannot be unique there and is copied as a plain one.
  const copy = await timed(async () => {
    await a.query(`set maintenance_work_mem = '512MB'`);
    await a.query(`create table profiles_part (like profiles including defaults) partition by hash (workspace_id)`);
    for (let i = 0; i < PARTITIONS; i++) await a.query(`create table profiles_part_${i} partition of profiles_part for values with (modulus ${PARTITIONS}, remainder ${i})`);
    await a.query(`insert into profiles_part select * from profiles`);
    const indexes = await a.query<{ def: string }>(`select indexdef as def from pg_indexes where tablename = 'profiles'`);
    for (const { def } of indexes.rows) {
      const plain = def.includes('(workspace_id') ? def : def.replace('UNIQUE ', '');
      await a.query(plain.replace(/INDEX (\S+) ON (public\.)?profiles /, 'INDEX $1_part ON profiles_part '));
    }
    await a.query(`vacuum (analyze) profiles_part`);
  });
  log(`  copied and indexed in ${fmt(copy.ms / 1000, 1)} s`);
  // The load writes one workspace after the other, so the one table is clustered by workspace: the
  // best case. Tenants that write over months interleave: the same rows in random order.
  const mixed = await timed(async () => {
    await a.query(`create table profiles_mixed (like profiles including all)`);
    await a.query(`insert into profiles_mixed select * from profiles order by random()`);
    await a.query(`vacuum (analyze) profiles_mixed`);
  });
  log(`  and an interleaved copy (one table, rows in random order, the same indexes) in ${fmt(mixed.ms / 1000, 1)} s`);
  log('| query (EXPLAIN ANALYZE, median; pages touched) | workspace | one table, clustered by workspace | one table, interleaved | partitioned | plan, interleaved | plan, partitioned |');
  log('| --- | --: | --: | --: | --: | --- | --- |');
  const queries = [
    { name: 'count by a trait (`industry = retail`)', text: (t: string) => `select count(*) from ${t} where workspace_id = $1 and traits->>'industry' = 'retail'` },
    { name: 'count by purchase columns', text: (t: string) => `select count(*) from ${t} where workspace_id = $1 and purchase_count >= 2 and purchase_total > 100` },
    { name: 'one page of the listing (by id, 50)', text: (t: string) => `select id from ${t} where workspace_id = $1 order by id limit 50` },
  ];
  for (const query of queries) {
    for (const ws of workspaces) {
      const plain = await explained(a, query.text('profiles'), [ws.id]);
      const interleaved = await explained(a, query.text('profiles_mixed'), [ws.id]);
      const part = await explained(a, query.text('profiles_part'), [ws.id]);
      const cell = (e: { ms: number; pages: number }) => `${ms(e.ms)}; ${e.pages.toLocaleString('en-US')} p`;
      log(`| ${query.name} | ${ws.size.toLocaleString('en-US')} | ${cell(plain)} | ${cell(interleaved)} | ${cell(part)} | ${interleaved.scans} | ${part.scans} |`);
    }
  }

  log('\nOn disk (heap + TOAST, and each index), per row:');
  log('| relation | rows | heap | indexes | bytes per row (all) |');
  log('| --- | --: | --: | --: | --: |');
  for (const table of ['profiles', 'events', 'segment_members', 'profiles_part', 'profiles_mixed']) {
    const r = await a.query<{ n: string; heap: string; idx: string; total: string }>(
      `select (select count(*) from ${table})::text as n, pg_table_size('${table}')::text as heap,
         coalesce((select sum(pg_total_relation_size(inhrelid)) - sum(pg_table_size(inhrelid)) from pg_inherits where inhparent = '${table}'::regclass), pg_indexes_size('${table}'))::text as idx,
         coalesce((select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = '${table}'::regclass), pg_total_relation_size('${table}'))::text as total`,
    );
    const row = r.rows[0]!;
    const heap = table === 'profiles_part' ? Number(row.total) - Number(row.idx) : Number(row.heap);
    const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;
    log(`| ${table} | ${Number(row.n).toLocaleString('en-US')} | ${mib(heap)} | ${mib(Number(row.idx))} | ${fmt(Number(row.total) / Math.max(1, Number(row.n)), 0)} |`);
  }
  const indexes = await a.query<{ name: string; size: string }>(
    `select indexrelname as name, pg_size_pretty(pg_relation_size(indexrelid)) as size from pg_stat_user_indexes where relname in ('profiles', 'events', 'segment_members') order by pg_relation_size(indexrelid) desc`,
  );
  log(`  indexes: ${indexes.rows.map((r) => `${r.name} ${r.size}`).join(', ')}`);
} finally {
  for (const client of clients) await client.end().catch(() => undefined);
  await opened?.close();
  await bench.drop();
}
