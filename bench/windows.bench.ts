/**
 * `npm run bench:windows`: the periodic time-window pass (api/segments/due.ts), which evaluates only
 * the profiles whose next change instant has come, against today's reference, the full recompute of
 * every segment (refreshWorkspace), on the real PostgreSQL with 100 published segments, at several
 * population sizes. Per size, in a fresh database `ae_bench_<timestamp>` (dropped at the end):
 * the DB bench's load (bench/db-load.ts) and segments (13 lifecycle + 87 generated); the full
 * recompute (first materialisation, timed: the reference); the due instants seeded set-based
 * (timed); VACUUM ANALYZE of the two tables just written (autovacuum's work); then passes at NOW + 15 minutes and at the instants by which 0.1%, 1% and 10% of the
 * profiles are due, each timed with the size of its due set; finally, at the last pass's instant,
 * the full recompute again with the memberships in place (the reference a periodic pass paid
 * before), which must change nothing: the memberships the due passes left are checked equal to
 * a from-scratch recompute (a checksum of segment_members before and after).
 * Options: --sizes=100000,300000,1000000 --fractions=0.001,0.01,0.1 --seed=N --concurrency=N (batches
 * side by side in a pass, default 2 as the periodic job runs it on PostgreSQL)
 * --in-place-max=N (skip the in-place recompute and its check above N profiles; default: always).
 */
import 'reflect-metadata';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { openDatabase, type Database } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { createLifecycleSegments } from '../api/segments/lifecycle.service.js';
import { compiledEvaluation, refreshWorkspace } from '../api/segments/membership.service.js';
import { loadPublishedDefinitions } from '../api/segments/definitions.js';
import { refreshDue, seedDueInstants } from '../api/segments/due.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { benchClient, createBenchDatabase } from './db-database.js';
import { BENCH_TRAITS, loadSynthetic } from './db-load.js';
import { generateSegments } from './db-segments.js';
import { fmt, formatTable } from './rules-measure.js';
import { createRandom } from './rules-random.js';

const list = (name: string, fallback: number[]): number[] => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  if (raw === undefined) return fallback;
  const values = raw.split(',').map((v) => Number(v.replaceAll('_', '')));
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`--${name} must be a comma-separated list of positive numbers, got '${raw}'`);
  return values;
};
const SIZES = list('sizes', [100_000, 300_000, 1_000_000]).map(Math.round);
const FRACTIONS = list('fractions', [0.001, 0.01, 0.1]);
const [SEED] = list('seed', [20261124]);
const [IN_PLACE_MAX] = list('in-place-max', [Number.MAX_SAFE_INTEGER]);
const [CONCURRENCY] = list('concurrency', [2]);
const SEGMENTS = 100;
const QUARTER_HOUR = 15 * 60_000;
const NOW = Date.now();

const log = (line: string) => console.log(line);
const secs = (ms: number) => `${fmt(ms / 1000, ms < 10_000 ? 2 : 1)} s`;
const int = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) => `${fmt((100 * part) / whole, part / whole < 0.01 ? 2 : 1)}%`;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

async function scalar(client: pg.Client, text: string, params: unknown[]): Promise<string | null> {
  const result = await client.query(text, params);
  const row = result.rows[0] as Record<string, unknown> | undefined;
  return row === undefined ? null : (Object.values(row)[0] as string | null);
}

const table: string[][] = [];
const loads = (await import('node:os')).loadavg;

async function runSize(size: number): Promise<void> {
  const bench = await createBenchDatabase();
  log(`\n== ${int(size)} profiles (database ${bench.name}; load average ${loads().map((l) => fmt(l, 1)).join(' ')})`);
  let opened: Awaited<ReturnType<typeof openDatabase>> | undefined;
  const clients: pg.Client[] = [];
  try {
    opened = await openDatabase({ driver: 'postgres', url: bench.url });
    const db: Database = opened.db;
    const [a, b] = [await benchClient(bench.url), await benchClient(bench.url)];
    clients.push(a, b);
    const now = new Date(NOW);
    const { workspace } = await createWorkspace(db, 'Bench', now);
    const ws = workspace.id;
    for (const trait of BENCH_TRAITS) await defineTrait(db, ws, trait.name, trait.type, trait.description, now);
    const service = new SegmentService(db, ws, () => now);
    const lifecycle = await createLifecycleSegments(db, ws, undefined, { publish: true, now });
    for (const segment of generateSegments(createRandom(SEED!), SEGMENTS - lifecycle.length, lifecycle.map((s) => s.slug))) {
      await service.publish((await service.create({ ...segment, type: 'dynamic' })).id);
    }
    const definitions = await loadPublishedDefinitions(db, ws);
    log(`  the passes evaluate the ${compiledEvaluation(definitions, 'time').dynamic.length} time-dependent segments of the ${compiledEvaluation(definitions).dynamic.length} published (and dynamic)`);
    const load = await loadSynthetic([a, b], ws, size, NOW, log);
    log(`  loaded ${int(load.profiles)} profiles, ${int(load.events)} events in ${fmt(load.totalS, 1)} s`);

    const full = await timed(() => refreshWorkspace(db, ws, NOW));
    const members = [...full.value.values()].reduce((x, y) => x + y, 0);
    log(`  reference: full recompute of ${full.value.size} segments (first materialisation, ${int(members)} memberships) ${secs(full.ms)}`);
    const seed = await timed(() => seedDueInstants(db, ws, NOW));
    log(`  due instants seeded for ${int(seed.value)} profiles (${pct(seed.value, size)}) in ${secs(seed.ms)}`);
    // As autovacuum would after millions of new rows: without statistics the planner takes
    // segment_members (millions of rows written just now) and profile_due for empty tables.
    const analyze = await timed(() => a.query('vacuum (analyze) segment_members, profile_due'));
    log(`  vacuum analyze of segment_members and profile_due: ${secs(analyze.ms)}`);
    table.push([int(size), 'full recompute (reference), first materialisation', '-', secs(full.ms), '-']);
    table.push([int(size), 'seed every due instant (once per workspace)', '-', secs(seed.ms), `${int(seed.value)} profiles have one`]);

    // The instants by which a fraction of the population is due (k-th smallest due instant).
    const passes: Array<{ label: string; at: number }> = [{ label: 'NOW + 15 min', at: NOW + QUARTER_HOUR }];
    for (const fraction of FRACTIONS) {
      const k = Math.ceil(fraction * size);
      const at = await scalar(a, `select (extract(epoch from due_at) * 1000)::float8 as ms from profile_due where workspace_id = $1 order by due_at offset $2 limit 1`, [ws, k - 1]);
      if (at !== null) passes.push({ label: `${fmt(fraction * 100, fraction < 0.01 ? 1 : 0)}% due`, at: Number(at) });
    }
    passes.sort((x, y) => x.at - y.at);
    let last = NOW;
    for (const pass of passes) {
      if (pass.at <= last) continue;
      last = pass.at;
      const due = Number(await scalar(a, `select count(*)::int from profile_due where workspace_id = $1 and due_at <= $2::timestamptz`, [ws, new Date(pass.at).toISOString()]));
      const run = await timed(() => refreshDue(db, ws, { now: pass.at, concurrency: CONCURRENCY }));
      const hours = (pass.at - NOW) / 3_600_000;
      log(`  pass at ${pass.label} (NOW + ${fmt(hours, 1)} h): ${int(due)} due (${pct(due, size)}), ${int(run.value.evaluated)} evaluated, +${int(run.value.added)} / -${int(run.value.removed)} memberships in ${secs(run.ms)} (${fmt((run.value.evaluated / run.ms) * 1000, 0)} profiles/s; load ${fmt(loads()[0]!, 1)})`);
      table.push([int(size), `due pass at ${pass.label} (NOW + ${fmt(hours, 1)} h)`, `${int(due)} (${pct(due, size)})`, secs(run.ms), `+${int(run.value.added)} / -${int(run.value.removed)}`]);
    }

    if (size <= IN_PLACE_MAX!) {
      const checksum = `select count(*)::int as n, coalesce(sum(hashtextextended(segment_id::text || profile_id::text, 0)), 0)::text as h from segment_members where workspace_id = $1`;
      const before = (await a.query(checksum, [ws])).rows[0] as { n: number; h: string };
      const inPlace = await timed(() => refreshWorkspace(db, ws, last));
      const after = (await a.query(checksum, [ws])).rows[0] as { n: number; h: string };
      const same = before.n === after.n && before.h === after.h;
      log(`  reference: full recompute at the last pass's instant, memberships in place: ${secs(inPlace.ms)}; memberships ${same ? 'unchanged (the due passes left exactly the from-scratch memberships)' : `CHANGED: ${before.n} -> ${after.n} rows`}`);
      table.push([int(size), 'full recompute (reference), memberships in place', '-', secs(inPlace.ms), same ? 'changed nothing' : 'CHANGED MEMBERSHIPS']);
      if (!same) process.exitCode = 1;
    }
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
    await opened?.close().catch(() => undefined);
    await bench.drop();
  }
}

log(`windows bench: sizes ${SIZES.map(int).join(', ')}, ${SEGMENTS} published segments, passes with ${CONCURRENCY} batches side by side, Node ${process.version}, seed ${SEED}`);
for (const size of SIZES) await runSize(size);
log(`\nTime-window pass against the full recompute (target: a 15-minute pass <= 5 s at 1M profiles when <= 1% are due)`);
log(formatTable(['profiles', 'what', 'due', 'time', 'memberships'], table));
log(`load average at the end: ${loads().map((l) => fmt(l, 1)).join(' ')}`);
