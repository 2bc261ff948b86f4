/**
 * `npm run bench:db`: the segmentation API on the real PostgreSQL with 1M synthetic profiles.
 * Creates a fresh database `ae_bench_<timestamp>` (admin URL: BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres), drops it at the end, and prints one table.
 * Options: --profiles=N (default 1,000,000), --runs=N countMatching runs (default 9),
 * --seconds=N per autocannon run (default 10), --connections=N (default 10), --seed=N.
 */
import 'reflect-metadata';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { openDatabase, type Database } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { loadPublishedDefinitions } from '../api/segments/definitions.js';
import { createLifecycleSegments } from '../api/segments/lifecycle.service.js';
import { compiledEvaluation, evaluateProfiles, profileEvaluationSql, ONE_PASS_FROM, refreshProfiles, refreshSegment, refreshSegments, refreshWorkspace, refreshWorkspacePerSegment } from '../api/segments/membership.service.js';
import { compileRuleSql } from '../api/segments/rule-sql.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { profiles, segmentMembers } from '../drizzle/index.js';
import { ruleReferences, type RuleNode } from '../schema/rule.js';
import { benchClient, createBenchDatabase } from './db-database.js';
import { measure, startServer, type Throughput } from './db-http.js';
import { BENCH_TRAITS, loadSynthetic } from './db-load.js';
import { FOUR_CONDITION_RULE, generateSegments } from './db-segments.js';
import { fmt, formatTable, median, verdict } from './rules-measure.js';
import { createRandom } from './rules-random.js';

const option = (name: string, fallback: number): number => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const PROFILES = option('profiles', 1_000_000);
const RUNS = option('runs', 9);
const SECONDS = option('seconds', 10);
const CONNECTIONS = option('connections', 10);
const SEED = option('seed', 20261124);
const SEGMENTS = 100;
const SINGLE_PROFILE_RUNS = 25;
/** The steady-state recompute runs only when the first one took at most this long. */
const STEADY_STATE_BUDGET_MS = 400_000;
const SEGMENTS_QUERY = '{ segments(first: 50) { edges { node { id slug name status } } } }';
const HELLO_QUERY = '{ hello }';
/** Every evaluation happens at this instant; data is generated relative to it. */
const NOW = Date.now();

const started = performance.now();
const log = (line: string) => console.log(line);
const seconds = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const millis = (ms: number) => `${fmt(ms, ms < 10 ? 2 : 1)} ms`;
const dialect = new PgDialect();

interface Explained {
  planningMs: number;
  executionMs: number;
  plan: string;
}

async function explain(client: pg.Client, query: SQL, options = 'analyze, buffers'): Promise<Explained> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const result = await client.query<{ 'QUERY PLAN': string }>(`explain (${options}) ${text}`, params);
  const plan = result.rows.map((r) => r['QUERY PLAN']).join('\n');
  const number = (label: string) => Number(new RegExp(`${label}: ([0-9.]+) ms`).exec(plan)?.[1] ?? Number.NaN);
  return { planningMs: number('Planning Time'), executionMs: number('Execution Time'), plan };
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

interface Row {
  figure: string;
  value: string;
  target: string;
  met: boolean | null;
}
const rows: Row[] = [];

const bench = await createBenchDatabase();
log(`db bench: ${PROFILES.toLocaleString('en-US')} profiles, database ${bench.name}, Node ${process.version}, seed ${SEED}`);
let opened: Awaited<ReturnType<typeof openDatabase>> | undefined;
const clients: pg.Client[] = [];
try {
  opened = await openDatabase({ driver: 'postgres', url: bench.url });
  const db: Database = opened.db;
  const [a, b] = [await benchClient(bench.url), await benchClient(bench.url)];
  clients.push(a, b);
  const version = await a.query<{ server_version: string }>('show server_version');
  log(`  PostgreSQL ${version.rows[0]?.server_version}; migrations applied`);

  // Workspace, traits, 100 published segments (published while the workspace is empty: the full
  // recompute below materialises them on the loaded data).
  const now = new Date(NOW);
  const { workspace, adminKey } = await createWorkspace(db, 'Bench', now);
  const ws = workspace.id;
  for (const trait of BENCH_TRAITS) await defineTrait(db, ws, trait.name, trait.type, trait.description, now);
  const service = new SegmentService(db, ws, () => now);
  const lifecycle = await createLifecycleSegments(db, ws, undefined, { publish: true, now });
  const random = createRandom(SEED);
  const generated = generateSegments(random, SEGMENTS - lifecycle.length, lifecycle.map((s) => s.slug));
  for (const segment of generated) {
    const created = await service.create({ ...segment, type: 'dynamic' });
    await service.publish(created.id);
  }
  const fourCondition = await service.validate(FOUR_CONDITION_RULE);
  if (!fourCondition.ok) throw new Error(`4-condition rule invalid: ${JSON.stringify(fourCondition.errors)}`);
  await service.create({ slug: 'four-conditions', name: 'Four conditions', type: 'dynamic', rule: FOUR_CONDITION_RULE });
  log(`  ${lifecycle.length} lifecycle + ${generated.length} generated segments published, 1 draft`);

  // 1. Load.
  log('\n1. Load (server-side generate_series, indexes rebuilt after the load)');
  const load = await loadSynthetic([a, b], ws, PROFILES, NOW, log);
  const perName = Object.entries(load.eventsByName).map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', ');
  log(`  ${load.profiles.toLocaleString('en-US')} profiles, ${load.events.toLocaleString('en-US')} events (${perName}) in ${fmt(load.totalS, 1)} s`);
  const size = await a.query<{ p: string; e: string }>(`select pg_size_pretty(pg_total_relation_size('profiles')) as p, pg_size_pretty(pg_total_relation_size('events')) as e`);
  log(`  on disk with indexes: profiles ${size.rows[0]?.p}, events ${size.rows[0]?.e}`);
  rows.push({ figure: `load ${load.profiles.toLocaleString('en-US')} profiles + ${load.events.toLocaleString('en-US')} events (incl. indexes, vacuum analyze)`, value: `${fmt(load.totalS, 1)} s`, target: '-', met: null });

  // 2. Size of a 4-condition segment.
  log('\n2. countMatching of the 4-condition segment');
  const rule = fourCondition.rule;
  const counts: number[] = [];
  let matched = 0;
  await service.countMatching(rule, NOW); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const run = await timed(() => service.countMatching(rule, NOW));
    counts.push(run.ms);
    matched = run.value;
  }
  const definitions = await loadPublishedDefinitions(db, ws);
  const countQuery = (r: RuleNode) =>
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(profiles)
      .where(and(eq(profiles.workspaceId, ws), compileRuleSql(r, { now: NOW, segment: (slug) => definitions.bySlug.get(slug) })))
      .getSQL();
  // countMatching turns JIT off for its transaction (see disableJit): explain it the same way.
  await a.query('set jit = off');
  const countPlan = await explain(a, countQuery(rule));
  await a.query('reset jit');
  log(`  matches ${matched.toLocaleString('en-US')} profiles; countMatching median ${millis(median(counts))} over ${RUNS} runs (min ${millis(Math.min(...counts))}, max ${millis(Math.max(...counts))})`);
  log(`  EXPLAIN ANALYZE (jit = off): planning ${millis(countPlan.planningMs)}, execution ${millis(countPlan.executionMs)}`);
  log(countPlan.plan.split('\n').map((l) => `    ${l}`).join('\n'));
  // What the server's JIT would cost: it compiles every query whose estimated cost passes jit_above_cost.
  const withJit = await explain(a, countQuery(rule), 'analyze');
  log(`  EXPLAIN ANALYZE with the server's default jit = on (same query): execution ${millis(withJit.executionMs)}`);
  rows.push({ figure: `size of a 4-condition segment (countMatching, median of ${RUNS}; ${matched.toLocaleString('en-US')} match)`, value: millis(median(counts)), target: '<= 100 ms', met: median(counts) <= 100 });

  // 3. Full recompute of the 100 published segments: the one pass (refreshWorkspace), then the
  // per-segment recompute it replaced (refreshWorkspacePerSegment) on the same data, both from an
  // empty membership and again in place; the memberships of the two must be the same.
  log(`\n3. refreshWorkspace (one pass) vs refreshWorkspacePerSegment (reference): ${SEGMENTS} published segments`);
  const fingerprint = async () => {
    const r = await a.query<{ n: string; h: string }>('select count(*)::text as n, coalesce(sum(hashtextextended(segment_id::text || profile_id::text || joined_at::text, 0)), 0)::text as h from segment_members where workspace_id = $1', [ws]);
    return `${r.rows[0]?.n}/${r.rows[0]?.h}`;
  };
  const recompute = async (label: string, run: () => Promise<Map<string, number>>) => {
    await a.query('delete from segment_members where workspace_id = $1', [ws]);
    await a.query('vacuum (analyze) segment_members');
    const cold = await timed(run);
    const sizes = [...cold.value.values()].sort((x, y) => x - y);
    const memberships = sizes.reduce((s, n) => s + n, 0);
    log(`  ${label}: first materialisation (empty membership) ${seconds(cold.ms)}; ${cold.value.size} segments, ${memberships.toLocaleString('en-US')} memberships`);
    log(`    segment sizes: min ${sizes[0]?.toLocaleString('en-US')}, median ${median(sizes).toLocaleString('en-US')}, max ${sizes.at(-1)?.toLocaleString('en-US')}; ${sizes.filter((n) => n === 0).length} empty`);
    await a.query('vacuum (analyze) segment_members');
    let warmMs: number | null = null;
    if (cold.ms <= STEADY_STATE_BUDGET_MS) {
      warmMs = (await timed(run)).ms;
      log(`    in place (steady state): ${seconds(warmMs)}`);
    } else log(`    in place: skipped (the first took over ${seconds(STEADY_STATE_BUDGET_MS)})`);
    return { coldMs: cold.ms, warmMs, segments: cold.value.size, memberships, fingerprint: await fingerprint() };
  };
  const onePass = await recompute('one pass', () => refreshWorkspace(db, ws, NOW));
  const perSegment = await recompute('per segment (reference)', () => refreshWorkspacePerSegment(db, ws, NOW));
  // joined_at is `NOW` for every membership written here, so the fingerprints compare the pairs.
  const same = onePass.fingerprint === perSegment.fingerprint;
  log(`  memberships of the two: ${same ? 'identical' : `DIFFERENT (${onePass.fingerprint} vs ${perSegment.fingerprint})`} (count and hash of every (segment, profile, joined_at))`);
  if (!same) throw new Error('the one-pass recompute and the per-segment recompute disagree');
  const vsRef = (ms: number | null, ref: number | null) => (ms === null ? 'skipped' : `${seconds(ms)} (per segment: ${ref === null ? 'skipped' : seconds(ref)})`);
  rows.push({ figure: `full recompute of ${onePass.segments} segments, first materialisation (${onePass.memberships.toLocaleString('en-US')} memberships)`, value: vsRef(onePass.coldMs, perSegment.coldMs), target: '<= 30 s', met: onePass.coldMs <= 30_000 });
  rows.push({ figure: `full recompute of ${onePass.segments} segments, membership in place`, value: vsRef(onePass.warmMs, perSegment.warmMs), target: '<= 30 s', met: onePass.warmMs === null ? null : onePass.warmMs <= 30_000 });

  // 4. One changed profile against the 100 segments.
  log(`\n4. refreshProfiles: one changed profile against ${SEGMENTS} segments (${SINGLE_PROFILE_RUNS} profiles)`);
  const picked = await a.query<{ id: string }>(`select id from profiles tablesample bernoulli (1) repeatable (7) where workspace_id = $1 limit ${SINGLE_PROFILE_RUNS + 3}`, [ws]);
  const ids = picked.rows.map((r) => r.id);
  const dynamic = [...definitions.byId.values()].filter((d) => d.type === 'dynamic');
  // The query refreshProfiles prepares, with its values bound (for EXPLAIN, and built per call as
  // before the statement was prepared: the same-run reference).
  const evaluation = (id: string) => profileEvaluationSql(ws, [id], dynamic, definitions, NOW);
  const change = (id: string) =>
    db.execute(sql`update ${profiles} set traits = jsonb_set(traits, '{plan}', to_jsonb((array['free','starter','pro','enterprise'])[1 + (abs(hashtext(${id} || clock_timestamp()::text)) % 4)])),
                     purchase_count = purchase_count + 1, last_purchase_at = ${new Date(NOW - 86_400_000).toISOString()}::timestamptz, updated_at = now()
                   where ${profiles.id} = ${id}`);
  const execution: number[] = [];
  const planning: number[] = [];
  const roundTrip: number[] = [];
  const preparedTrip: number[] = [];
  const withDefinitions: number[] = [];
  const full: number[] = [];
  let changes = 0;
  for (const [i, id] of ids.entries()) {
    const warmup = i < 3;
    await change(id);
    const explained = await explain(a, evaluation(id), 'analyze, timing off');
    const trip = await timed(() => db.execute(evaluation(id)));
    const prepared = await timed(() => evaluateProfiles(db, definitions, ws, [id], NOW));
    const refreshed = await timed(() => refreshProfiles(db, ws, [id], NOW, definitions));
    await change(id);
    const whole = await timed(() => refreshProfiles(db, ws, [id], NOW));
    if (warmup) continue;
    execution.push(explained.executionMs);
    planning.push(explained.planningMs);
    roundTrip.push(trip.ms);
    preparedTrip.push(prepared.ms);
    withDefinitions.push(refreshed.ms);
    full.push(whole.ms);
    changes += refreshed.value.added + refreshed.value.removed + whole.value.added + whole.value.removed;
  }
  const [exec, plan, trip, refresh, wholeMs, ptrip] = [execution, planning, roundTrip, withDefinitions, full, preparedTrip].map(median) as [number, number, number, number, number, number];
  log(`  SQL evaluation of 1 profile x ${dynamic.length} segments: execution ${millis(exec)}, planning ${millis(plan)} (server, EXPLAIN ANALYZE of the text with values bound)`);
  log(`  round trip: prepared statement (as refreshProfiles runs it) ${millis(ptrip)}; SQL built per call and planned each time (reference) ${millis(trip)}`);
  log(`  refreshProfiles with definitions loaded: ${millis(refresh)} = round trip ${millis(ptrip)} + diff/transaction/size history ${millis(refresh - ptrip)}`);
  log(`  refreshProfiles loading definitions too: ${millis(wholeMs)}; ${fmt(changes / (2 * execution.length), 1)} membership changes per call on average`);
  rows.push({ figure: `one changed profile x ${dynamic.length} segments: SQL evaluation (server execution)`, value: millis(exec), target: '< 1 ms', met: exec < 1 });
  rows.push({ figure: '  same: planning of the evaluation query when not prepared (server)', value: millis(plan), target: '-', met: null });
  rows.push({ figure: '  same: evaluation round trip, prepared statement (client)', value: millis(ptrip), target: '-', met: null });
  rows.push({ figure: '  same: evaluation round trip, SQL built per call (reference)', value: millis(trip), target: '-', met: null });
  rows.push({ figure: '  same: refreshProfiles total (definitions preloaded)', value: millis(refresh), target: '-', met: null });
  rows.push({ figure: '  same: transaction + diff + size history part', value: millis(refresh - ptrip), target: '-', met: null });
  rows.push({ figure: '  same: refreshProfiles total (loading definitions)', value: millis(wholeMs), target: '-', met: null });
  // One connection, as a long-lived pool connection sees it: PostgreSQL plans a prepared statement
  // for its first five runs (custom plans), then keeps a generic plan when it costs no more.
  const steady = await db.transaction(async (tx) => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) times.push((await timed(() => evaluateProfiles(tx, definitions, ws, [ids[i % ids.length] as string], NOW))).ms);
    const plans = await tx.execute(sql`select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where name = ${compiledEvaluation(definitions).one.name}`);
    return { ms: median(times.slice(10)), plans: plans.rows[0] as { generic: number; custom: number } | undefined };
  });
  log(`  prepared statement on one connection, runs 11-20: round trip ${millis(steady.ms)} (${steady.plans?.custom ?? '?'} custom plans, ${steady.plans?.generic ?? '?'} runs of the generic plan)`);
  rows.push({ figure: '  same: evaluation round trip, prepared, one connection after 10 runs', value: millis(steady.ms), target: '-', met: null });
  const memberTotal = await db.select({ n: sql<number>`count(*)::int` }).from(segmentMembers);
  log(`  memberships now: ${memberTotal[0]?.n.toLocaleString('en-US')}`);

  // 4b. The 4-condition segment published: its size is then what Segment.size answers, a count of its
  // materialised members (segments.loaders.ts memberCounts), and publishing computes them once.
  log('\n4b. The 4-condition segment published: publish (membership computed), then Segment.size');
  const draft = await service.getBySlug('four-conditions');
  const published = await timed(() => service.publish(draft.id));
  const publishedSizes: number[] = [];
  let publishedSize = 0;
  for (let i = 0; i < RUNS; i++) {
    const run = await timed(() => service.size(published.value));
    publishedSizes.push(run.ms);
    publishedSize = run.value;
  }
  log(`  publish ${millis(published.ms)}; Segment.size median ${millis(median(publishedSizes))} over ${RUNS} runs (${publishedSize.toLocaleString('en-US')} members; countMatching found ${matched.toLocaleString('en-US')})`);
  // The same membership computed as a publish computed it before the one pass (refreshSegment of
  // the segment alone, its members first removed), as the same-run reference.
  const clearMembers = (id: string) => a.query('delete from segment_members where segment_id = $1', [id]);
  await clearMembers(published.value.id);
  const oldPublish = await timed(() => refreshSegment(db, ws, published.value.id, NOW));
  log(`  reference: refreshSegment of that segment alone from no members (the old publish's recompute) ${millis(oldPublish.ms)} (${oldPublish.value.toLocaleString('en-US')} members)`);
  rows.push({ figure: '  publish of the 4-condition segment (its membership computed)', value: `${millis(published.ms)} (refreshSegment alone: ${millis(oldPublish.ms)})`, target: '<= 3 s', met: published.ms <= 3_000 });
  await clearMembers(published.value.id);
  const onePassAlone = await timed(() => refreshSegments(db, ws, [published.value.id], NOW, undefined, { onePassFrom: 1 }));
  log(`  the same in one pass (not used for one segment: ONE_PASS_FROM = ${ONE_PASS_FROM}) ${millis(onePassAlone.ms)}`);
  // A published segment with the most dependents published again: it and every segment that
  // references it, transitively, recomputed in the publish's transaction.
  const refsBySlug = new Map([...definitions.byId.values()].filter((d) => d.type === 'dynamic').map((d) => [d.slug, ruleReferences(d.rule)]));
  const dependentsOf = (slug: string): Set<string> => {
    const found = new Set<string>();
    const queue = [slug];
    while (queue.length > 0) {
      const next = queue.shift() as string;
      for (const [other, refs] of refsBySlug) if (!found.has(other) && other !== slug && refs.includes(next)) (found.add(other), queue.push(other));
    }
    return found;
  };
  const [hub, hubDependents] = [...refsBySlug.keys()].map((slug) => [slug, dependentsOf(slug)] as const).sort((x, y) => y[1].size - x[1].size)[0] ?? ['', new Set<string>()];
  if (hub !== '') {
    const hubId = (definitions.bySlug.get(hub) as { id: string }).id;
    const republished = await timed(() => service.publish(hubId));
    const ids = [hubId, ...[...hubDependents].map((slug) => (definitions.bySlug.get(slug) as { id: string }).id)];
    const oldWay = await timed(async () => {
      for (const id of ids) await refreshSegment(db, ws, id, NOW);
    });
    // The same segments in one pass (refreshSegments uses it from ONE_PASS_FROM segments on): what
    // the threshold is set from.
    const onePassGroup = await timed(() => refreshSegments(db, ws, ids, NOW, undefined, { onePassFrom: 1 }));
    log(`  publish of '${hub}' again, ${hubDependents.size} segments depending on it (membership in place): ${millis(republished.ms)}; reference: refreshSegment of each ${millis(oldWay.ms)}; the ${ids.length} in one pass ${millis(onePassGroup.ms)} (used from ${ONE_PASS_FROM} segments on)`);
    rows.push({ figure: `  publish of a segment with ${hubDependents.size} dependents (membership in place)`, value: `${millis(republished.ms)} (refreshSegment of each: ${millis(oldWay.ms)}; one pass: ${millis(onePassGroup.ms)})`, target: '<= 3 s', met: republished.ms <= 3_000 });
  }
  rows.push({ figure: `  size of the 4-condition segment once published (Segment.size: count of its members, median of ${RUNS})`, value: millis(median(publishedSizes)), target: '<= 100 ms', met: median(publishedSizes) <= 100 });

  // 5. GraphQL throughput against a bare Apollo hello world.
  log(`\n5. GraphQL throughput: autocannon, ${CONNECTIONS} connections, ${SECONDS} s each, servers in child processes`);
  const results: Record<string, Throughput> = {};
  for (const [mode, query, headers] of [
    ['hello', HELLO_QUERY, {}],
    ['api', SEGMENTS_QUERY, { authorization: `Bearer ${adminKey}` }],
  ] as const) {
    const served = await startServer(mode, { DATABASE_URL: bench.url });
    try {
      results[mode] = await measure(served.url, query, headers, CONNECTIONS, SECONDS);
    } finally {
      await served.stop();
    }
    const r = results[mode]!;
    log(`  ${mode === 'api' ? 'API segments(first: 50)' : 'bare Apollo { hello }  '}: ${fmt(r.rps, 0)} req/s, p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms, ${r.total.toLocaleString('en-US')} requests, ${r.failures} failures`);
  }
  const api = results.api!;
  const hello = results.hello!;
  const ratio = api.rps / hello.rps;
  rows.push({ figure: 'bare Apollo hello world (Hono, node-server)', value: `${fmt(hello.rps, 0)} req/s`, target: '-', met: null });
  rows.push({ figure: 'API segments(first: 50) { id slug name status }', value: `${fmt(api.rps, 0)} req/s`, target: '-', met: null });
  rows.push({ figure: '  API / hello world', value: `${fmt(ratio * 100, 0)} %`, target: '>= 60 %', met: ratio >= 0.6 && api.failures === 0 });
} finally {
  for (const client of clients) await client.end().catch(() => undefined);
  await opened?.close().catch(() => undefined);
  await bench.drop().catch((error: Error) => console.error(`could not drop ${bench.name}: ${error.message}`));
}

const totalMs = performance.now() - started;
rows.push({ figure: 'total bench time', value: seconds(totalMs), target: '~15 min', met: null });
console.log(`\nResults (${PROFILES.toLocaleString('en-US')} profiles, PostgreSQL on 127.0.0.1, database dropped):\n`);
console.log(formatTable(['figure', 'value', 'target', 'met'], rows.map((r) => [r.figure, r.value, r.target, r.met === null ? '' : verdict(r.met)])));
