/**
 * `npm run bench:preview`: exact live counts of unsaved rules (previews, draft sizes) on the real
 * PostgreSQL at 1M synthetic profiles (bench/db-load.ts), for many rule shapes: the in-memory copy
 * (api/segments/preview) beside the SQL count (countMatchingSql, what countMatching ran before) in the
 * same run, each against the 100 ms target, and the two answers checked equal. Also: the copy's load
 * time and memory (RSS before, held, after release), a count right after writes (the refresh), and
 * trackEvents with and without a held copy (the change log's cost on ingestion).
 * Options: --profiles=N (default 1,000,000), --runs=N per shape (default 7), --seed=N.
 */
import 'reflect-metadata';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { loadPublishedDefinitions } from '../api/segments/definitions.js';
import { createLifecycleSegments } from '../api/segments/lifecycle.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { PreviewCounts, loadTimes } from '../api/segments/preview/previews.js';
import { trackEvents } from '../api/events/events.service.js';
import type { RuleJson } from '../schema/rule.js';
import { benchClient, createBenchDatabase } from './db-database.js';
import { BENCH_TRAITS, loadSynthetic } from './db-load.js';
import { FOUR_CONDITION_RULE } from './db-segments.js';
import { fmt, formatTable, median, verdict } from './rules-measure.js';

const option = (name: string, fallback: number): number => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? process.env[`npm_config_${name}`];
  const value = raw === undefined ? fallback : Number(raw.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const PROFILES = option('profiles', 1_000_000);
const RUNS = option('runs', 7);
const NOW = Date.now();
const TARGET_MS = 100;
const mb = (bytes: number) => `${fmt(bytes / 1048576, 0)} MB`;
const millis = (ms: number) => `${fmt(ms, ms < 10 ? 2 : 1)} ms`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Rule shapes a marketer writes; `lifecycle` and `vip-list` are published in the workspace. */
const SHAPES: Array<[string, RuleJson]> = [
  ['4 conditions (bench:db)', FOUR_CONDITION_RULE],
  ['one trait: plan in [pro, enterprise]', { attr: 'traits.plan', op: 'in', value: ['pro', 'enterprise'] }],
  ['number column: purchases.total > 250', { attr: 'purchases.total', op: 'gt', value: 250 }],
  ['derived: daysSinceLast between 0 and 60', { attr: 'purchases.daysSinceLast', op: 'between', value: [0, 60] }],
  ['string list: interests hasAny [shoes, bags]', { attr: 'traits.interests', op: 'hasAny', value: ['shoes', 'bags'] }],
  ['date trait: renewalDate < 2027-01-01', { attr: 'traits.renewalDate', op: 'lt', value: '2027-01-01' }],
  ['event where: page_view path /pricing** in 30 d', { event: 'page_view', where: [{ attr: 'path', op: 'matches', value: '/pricing**' }], inLastDays: 30 }],
  ['event where: purchase amount >= 100, 2+ in 365 d', { event: 'purchase', where: [{ attr: 'amount', op: 'gte', value: 100 }], min: 2, inLastDays: 365 }],
  ['never: no complaint in 90 d', { event: 'complaint', min: 0, max: 0, inLastDays: 90 }],
  ['any / not: industry sa* or not page_view 14 d', { any: [{ attr: 'traits.industry', op: 'startsWith', value: 'sa' }, { not: { event: 'page_view', inLastDays: 14 } }] }],
  ['reference to a dynamic segment + trait', { all: [{ segment: 'loyal' }, { attr: 'traits.newsletter', op: 'eq', value: true }] }],
  ['reference to a static list (10k) + event', { all: [{ segment: 'vip-list' }, { event: 'email_click', inLastDays: 180 }] }],
  ['geography: geo.city = City7 and purchases.count >= 1', { all: [{ attr: 'geo.city', op: 'eq', value: 'City7' }, { attr: 'purchases.count', op: 'gte', value: 1 }] }],
  ['8 conditions', { all: [
    { attr: 'purchases.count', op: 'gte', value: 1 }, { attr: 'traits.plan', op: 'neq', value: 'free' }, { attr: 'traits.fitScore', op: 'between', value: [20, 90] },
    { attr: 'reachable.email', op: 'eq', value: true }, { attr: 'profile.createdAt', op: 'inLastDays', value: 900 }, { attr: 'traits.tags', op: 'hasNone', value: ['employee'] },
    { event: 'page_view', inLastDays: 60 }, { not: { event: 'complaint' } },
  ] }],
];

const bench = await createBenchDatabase();
console.log(`preview bench: ${PROFILES.toLocaleString('en-US')} profiles, database ${bench.name}, Node ${process.version}`);
const opened = await openDatabase({ driver: 'postgres', url: bench.url });
const rows: string[][] = [];
try {
  const db = opened.db;
  const now = new Date(NOW);
  const { workspace } = await createWorkspace(db, 'Preview bench', now);
  const ws = workspace.id;
  for (const t of BENCH_TRAITS) await defineTrait(db, ws, t.name, t.type, t.description, now);
  await createLifecycleSegments(db, ws, undefined, { publish: true, now });
  const plain = new SegmentService(db, ws, () => now);
  const list = await plain.create({ slug: 'vip-list', name: 'VIP list', type: 'static' });
  await plain.publish(list.id);
  const [a, b] = [await benchClient(bench.url), await benchClient(bench.url)];
  const load = await loadSynthetic([a, b], ws, PROFILES, NOW, (line) => console.log(line));
  await a.query(`insert into segment_members (segment_id, profile_id, workspace_id, joined_at)
    select $1, id, workspace_id, now() from profiles where workspace_id = $2 order by external_id limit 10000`, [list.id, ws]);
  await a.end();
  await b.end();
  console.log(`  ${load.profiles.toLocaleString('en-US')} profiles, ${load.events.toLocaleString('en-US')} events loaded in ${fmt(load.totalS, 1)} s`);

  gc();
  const rssStart = process.memoryUsage().rss;
  const previews = new PreviewCounts(db, { minProfiles: 0 });
  const service = new SegmentService(db, ws, () => now, previews);
  const definitions = await loadPublishedDefinitions(db, ws);
  const first = await service.validate(FOUR_CONDITION_RULE);
  if (!first.ok) throw new Error('invalid rule');
  const started = performance.now();
  await previews.count(ws, first.rule, definitions, NOW, { wait: true });
  const loadMs = performance.now() - started;
  gc();
  const rssHeld = process.memoryUsage().rss;
  console.log(`  in-memory copy loaded in ${fmt((loadTimes.get(ws) ?? loadMs) / 1000, 1)} s; RSS ${mb(rssStart)} -> ${mb(rssHeld)} held`);

  console.log('\nRule shapes (median of runs; both answers compared):');
  for (const [label, json] of SHAPES) {
    const checked = await service.validate(json);
    if (!checked.ok) throw new Error(`${label}: ${JSON.stringify(checked.errors)}`);
    const inSql: number[] = [];
    const inMemory: number[] = [];
    const cpu: number[] = [];
    let answers: [number, number] = [0, 0];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      const s = await service.countMatchingSql(checked.rule, NOW);
      inSql.push(performance.now() - t);
      t = performance.now();
      const c = process.cpuUsage();
      const m = await previews.count(ws, checked.rule, definitions, NOW);
      inMemory.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
      answers = [s, m ?? Number.NaN];
    }
    if (answers[0] !== answers[1]) throw new Error(`${label}: SQL counts ${answers[0]}, memory ${answers[1]}`);
    const fast = median(inMemory);
    console.log(`  ${label}: ${answers[0].toLocaleString('en-US')} match; memory ${millis(fast)} (API CPU ${millis(median(cpu))}), SQL ${millis(median(inSql))}`);
    rows.push([label, answers[0].toLocaleString('en-US'), millis(fast), millis(median(cpu)), millis(median(inSql)), `<= ${TARGET_MS} ms`, verdict(fast <= TARGET_MS)]);
  }

  // Writes: trackEvents batches of 1,000 while the copy is held (changes logged), then a count; then
  // with no copy held (the triggers find no watch) and with the triggers disabled (as before them).
  const triggers = ['events_preview_insert', 'profiles_preview_insert', 'profiles_preview_update'];
  const batch = (label: string, round: number) =>
    Array.from({ length: 1000 }, (_, i) => ({
      eventId: `bench-${label}-${round}-${i}`, externalId: `cust-${1 + (((round * 1000 + i) * 7919) % PROFILES)}`,
      name: 'page_view', properties: { path: '/pricing' }, timestamp: new Date(NOW - 3_600_000).toISOString(),
    }));
  const ingest = async (label: string, rounds = 6) => {
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t = performance.now();
      await trackEvents(db, ws, batch(label, round), now);
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const withLog = await ingest('held');
  let t = performance.now();
  const afterWrites = await previews.count(ws, first.rule, definitions, NOW);
  const refreshMs = performance.now() - t;
  const check = await service.countMatchingSql(first.rule, NOW);
  if (afterWrites !== check) throw new Error(`after writes: memory ${afterWrites}, SQL ${check}`);
  await trackEvents(db, ws, batch('few', 0).slice(0, 20), now);
  t = performance.now();
  const afterFew = await previews.count(ws, first.rule, definitions, NOW);
  const fewMs = performance.now() - t;
  if (afterFew !== (await service.countMatchingSql(first.rule, NOW))) throw new Error('after 20 events: memory and SQL differ');
  await previews.close();
  await db.execute(sql`delete from preview_watches`);
  const unwatched: number[] = [];
  const disabled: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    unwatched.push(await ingest(`free${pass}`, 4));
    for (const name of triggers) await db.execute(sql.raw(`alter table ${name.startsWith('events') ? 'events' : 'profiles'} disable trigger ${name}`));
    disabled.push(await ingest(`off${pass}`, 4));
    for (const name of triggers) await db.execute(sql.raw(`alter table ${name.startsWith('events') ? 'events' : 'profiles'} enable trigger ${name}`));
  }
  console.log(`\nAfter 6,000 tracked events (~6,000 profiles changed): 4-condition count ${millis(refreshMs)} (refresh included), equal to SQL (${check.toLocaleString('en-US')}); after 20 more events: ${millis(fewMs)}`);
  console.log(`trackEvents batch of 1,000 (median): ${millis(withLog)} with a copy held (changes logged); ${millis(median(unwatched))} with none held; ${millis(median(disabled))} with the triggers disabled (before)`);
  rows.push(['4 conditions right after ~6,000 profiles changed (refresh + count)', check.toLocaleString('en-US'), millis(refreshMs), '', '', `<= ${TARGET_MS} ms`, verdict(refreshMs <= TARGET_MS)]);
  rows.push(['4 conditions after 20 more events (refresh + count)', afterFew!.toLocaleString('en-US'), millis(fewMs), '', '', `<= ${TARGET_MS} ms`, verdict(fewMs <= TARGET_MS)]);
  rows.push(['trackEvents, batch of 1,000: copy held / none held / triggers off', '', `${millis(withLog)} / ${millis(median(unwatched))}`, '', millis(median(disabled)), '', '']);

  gc();
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    gc();
  }
  gc();
  const rssReleased = process.memoryUsage().rss;
  rows.push(['copy load (first count of a workspace; SQL answers meanwhile)', '', `${fmt(loadMs / 1000, 1)} s`, '', '', '', '']);
  rows.push(['RSS: before / copy held / after release', '', `${mb(rssStart)} / ${mb(rssHeld)} / ${mb(rssReleased)}`, '', '', 'release within 50 MB', verdict(rssReleased - rssStart <= 50 * 1048576)]);
} finally {
  await opened.close().catch(() => undefined);
  await bench.drop().catch((error: Error) => console.error(`could not drop ${bench.name}: ${error.message}`));
}
console.log(`\nResults (${PROFILES.toLocaleString('en-US')} profiles, PostgreSQL on 127.0.0.1, database dropped):\n`);
console.log(formatTable(['shape', 'matches', 'in memory', 'its API CPU', 'SQL (before)', 'target', 'met'], rows));
console.log(`machine load at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
