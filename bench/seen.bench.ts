/**
 * `npm run bench:seen [-- --events N]`: the catalogue of what a workspace tracked (eventNames and
 * the warnings of validation), on real PostgreSQL (a fresh database on BENCH_DATABASE_URL /
 * TEST_DATABASE_URL, dropped at the end), one workspace of N events (default 1,000,000: 30 names,
 * 2 to 6 properties each, page views with UTM parameters) written in SQL.
 * Measured, median of 5: (1) the listing computed from the events table on each request (names with
 * counts and last seen by the (workspace, name, occurred_at) index; property names by reading every
 * event's JSON) against (2) the kept catalogue (listEventNames, the properties query, and
 * loadSeenCatalogue as validation reads it); (3) its upkeep: recordSeen of one trackEvents batch of
 * 1,000 events beside the reference, the insert of those 1,000 events into events.
 */
import { cpus, loadavg } from 'node:os';
import { openDatabase } from '../api/db/index.js';
import { workspaces, events } from '../drizzle/index.js';
import { recordSeen, summariseSeen } from '../api/events/seen.js';
import { listEventNames } from '../api/events/event-names.service.js';
import { loadSeenCatalogue } from '../api/segments/seen-catalogue.js';
import { createBenchDatabase, benchClient } from './db-database.js';

const args = process.argv.slice(2);
const eventsArg = args.indexOf('--events');
const N = eventsArg >= 0 ? Number(args[eventsArg + 1]) : 1_000_000;
const BATCH = 1000;
const TARGET_LIST_MS = 50;
const TARGET_UPKEEP_SHARE = 0.25;

if (!process.env.BENCH_DATABASE_URL && process.env.TEST_DATABASE_URL) process.env.BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL;
const database = await createBenchDatabase();
const load = () => loadavg().map((l) => l.toFixed(1)).join(', ');
console.log(`seen bench: database ${database.name}, ${N.toLocaleString('en-US')} events; load average ${load()} on ${cpus().length} cores`);

async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await f();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const opened = await openDatabase({ driver: 'postgres', url: database.url });
const client = await benchClient(database.url);
try {
  const db = opened.db;
  const [ws] = await db.insert(workspaces).values({ name: 'Seen bench' }).returning({ id: workspaces.id });
  const workspaceId = ws!.id;
  let start = performance.now();
  await client.query(`insert into profiles (workspace_id, external_id, created_at, updated_at)
    select $1, 'p' || i, now(), now() from generate_series(1, 50000) i`, [workspaceId]);
  await client.query(`insert into events (workspace_id, event_id, profile_id, name, properties, occurred_at)
    select $1, 'e' || i, p.id, case when i % 10 < 6 then 'page_view' else 'event_' || (i % 29) end,
      case when i % 10 < 6 then jsonb_build_object('path', '/p' || (i % 50), 'host', 'shop.example', 'url', 'https://shop.example/p?utm_source=s' || (i % 7) || '&utm_medium=m' || (i % 3))
        else jsonb_build_object('a', i % 5, 'b', 'x') || case when i % 3 = 0 then jsonb_build_object('c', 1, 'd', true, 'e' || (i % 4), 2) else '{}'::jsonb end end,
      now() - (i % 86400000) * interval '1 ms' * 60
    from generate_series(1, $2::int) i join lateral (select id from profiles where workspace_id = $1 and external_id = 'p' || (1 + i % 50000)) p on true`, [workspaceId, N]);
  await client.query('analyze events');
  console.log(`seeded in ${((performance.now() - start) / 1000).toFixed(0)} s`);

  start = performance.now();
  await client.query(`insert into seen_events (workspace_id, name, count, last_seen_at) select workspace_id, name, count(*), max(occurred_at) from events where workspace_id = $1 group by 1, 2`, [workspaceId]);
  await client.query(`insert into seen_event_properties (workspace_id, event, property, count, last_seen_at)
    select e.workspace_id, e.name, k.key, count(*), max(e.occurred_at) from events e cross join lateral jsonb_object_keys(e.properties) k(key) where e.workspace_id = $1 group by 1, 2, 3`, [workspaceId]);
  console.log(`backfill (migration 0018's statements) of this workspace: ${((performance.now() - start) / 1000).toFixed(1)} s`);

  const namesFromEvents = await median(5, () => client.query('select name, count(*), max(occurred_at) from events where workspace_id = $1 group by name', [workspaceId]));
  const propsFromEvents = await median(3, () =>
    client.query('select e.name, k.key, count(*), max(e.occurred_at) from events e cross join lateral jsonb_object_keys(e.properties) k(key) where e.workspace_id = $1 group by 1, 2', [workspaceId]));
  const list = await median(5, () => listEventNames(db, workspaceId, { first: 100, after: null }));
  const props = await median(5, () =>
    client.query(`select event, property, count, last_seen_at from seen_event_properties where workspace_id = $1 order by event, count desc`, [workspaceId]));
  const rule = { kind: 'all' as const, rules: [{ kind: 'event' as const, event: 'purchse', where: [], min: 1, max: null, inLastDays: null }] };
  const validation = await median(5, () => loadSeenCatalogue(db, workspaceId, [rule]));

  const batches = Array.from({ length: 10 }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      const page = n % 10 < 6;
      return {
        name: page ? 'page_view' : `event_${n % 29}`,
        properties: page ? { path: '/x', host: 'shop.example', url: `https://shop.example/?utm_source=s${n % 7}` } : { a: n % 5, b: 'x' },
        occurredAt: new Date(),
      };
    }),
  );
  const [profile] = (await client.query<{ id: string }>('select id from profiles where workspace_id = $1 limit 1', [workspaceId])).rows;
  let b = 0;
  const insert = await median(batches.length, () =>
    db.insert(events).values(batches[b++]!.map((e, i) => ({ workspaceId, eventId: `bench-${b}-${i}`, profileId: profile!.id, name: e.name, properties: e.properties, occurredAt: e.occurredAt }))));
  b = 0;
  const upkeep = await median(batches.length, () => recordSeen(db, workspaceId, summariseSeen(batches[b++]!)));

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`\nlisting computed from the events table, per request: names ${ms(namesFromEvents)}, property names ${ms(propsFromEvents)}`);
  console.log(`listing from the catalogue: eventNames page ${ms(list)}, properties ${ms(props)}   (target < ${TARGET_LIST_MS} ms)`);
  console.log(`validation's read of the catalogue (loadSeenCatalogue): ${ms(validation)}`);
  console.log(`upkeep per batch of ${BATCH}: recordSeen ${ms(upkeep)} beside the reference, the insert of the batch into events ${ms(insert)}: ${((100 * upkeep) / insert).toFixed(0)}% (target < ${TARGET_UPKEEP_SHARE * 100}%)`);
  console.log(`load average at the end: ${load()}`);
} finally {
  await client.end();
  await opened.close();
  await database.drop();
}
