/**
 * `npm run bench:import`: bulk import through the HTTP route (an API process of its own, as in
 * production) on the real PostgreSQL, in a fresh database `ae_bench_<timestamp>` dropped at the end:
 * 200,000 profiles then 500,000 events as NDJSON files streamed from disk by the CLI's client
 * (scripts/import-client.ts), rows/s of each and together, beside the same-run reference: a bare
 * COPY of the same rows (the same columns, already encoded) into empty tables without indexes, and
 * the 50,000 rows/s target. A second pass re-sends the events file (every line a duplicate).
 * Options: --large (1M profiles, 2.5M events), --profiles=N, --events=N.
 * BENCH_DATABASE_URL names the admin connection.
 */
import 'reflect-metadata';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { sendImport, type ImportReport } from '../scripts/import-client.js';
import { benchClient, createBenchDatabase } from './db-database.js';
import { startServer } from './db-http.js';
import { formatTable } from './rules-measure.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en');

const TARGET = 50_000;
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const large = process.argv.includes('--large');
const PROFILES = Number(arg('profiles') ?? (large ? 1_000_000 : 200_000));
const EVENTS = Number(arg('events') ?? (large ? 2_500_000 : 500_000));

const CITIES = ['Hanoi', 'Ho Chi Minh City', 'Da Nang', 'Hue', 'Bangkok', 'Singapore'];
const PLANS = ['free', 'pro', 'enterprise'];

/** Writes `count` lines made by `make` to `path`, and the COPY text of the same rows to `copyPath`. */
async function writeFiles(path: string, copyPath: string, count: number, make: (i: number) => { json: string; copy: string }): Promise<void> {
  const json = createWriteStream(path);
  const copy = createWriteStream(copyPath);
  let a = '';
  let b = '';
  for (let i = 0; i < count; i++) {
    const row = make(i);
    a += row.json + '\n';
    b += row.copy + '\n';
    if (a.length > 1 << 20) {
      if (!json.write(a)) await once(json, 'drain');
      if (!copy.write(b)) await once(copy, 'drain');
      a = b = '';
    }
  }
  json.end(a);
  copy.end(b);
  await Promise.all([once(json, 'finish'), once(copy, 'finish')]);
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t');

const bench = await createBenchDatabase();
const dir = mkdtempSync(join(tmpdir(), 'ae-import-bench-'));
let server: Awaited<ReturnType<typeof startServer>> | undefined;
try {
  const opened = await openDatabase({ driver: 'postgres', url: bench.url, poolMax: 4 });
  const { workspace, adminKey } = await createWorkspace(opened.db, 'Import bench');
  await defineTrait(opened.db, workspace.id, 'plan', 'string', null);
  await defineTrait(opened.db, workspace.id, 'score', 'number', null);
  await opened.close();
  const ws = workspace.id;

  const profilesFile = join(dir, 'profiles.ndjson');
  const eventsFile = join(dir, 'events.ndjson');
  console.log(`Writing ${fmt(PROFILES)} profiles and ${fmt(EVENTS)} events ...`);
  await writeFiles(profilesFile, join(dir, 'profiles.copy'), PROFILES, (i) => {
    const p = {
      externalId: `cust-${i}`,
      email: `customer${i}@example.com`,
      ...(i % 2 === 0 ? { phone: `09${String(10_000_000 + i).slice(-8)}` } : {}),
      firstName: 'Ann',
      lastName: `Lee${i % 97}`,
      city: CITIES[i % CITIES.length]!,
      country: 'VN',
      traits: { plan: PLANS[i % 3]!, score: i % 100 },
      consent: { email: true, ads: i % 3 === 0 },
    };
    const copy = [ws, p.externalId, p.email, p.phone ?? '\\N', p.firstName, p.lastName, p.city, p.country, esc(JSON.stringify(p.traits)), 't', p.consent.ads ? 't' : 'f'].join('\t');
    return { json: JSON.stringify(p), copy };
  });
  await writeFiles(eventsFile, join(dir, 'events.copy'), EVENTS, (i) => {
    const purchase = i % 10 === 0;
    const e = {
      eventId: `evt-${i}`,
      externalId: `cust-${(i * 7919) % PROFILES}`,
      name: purchase ? 'purchase' : 'page_view',
      properties: purchase ? { revenue: (i % 50) + 0.5 } : { path: `/products/${i % 500}` },
      timestamp: new Date(Date.UTC(2026, 0, 1) + (i % 300) * 86_400_000 + (i % 86_400) * 1000).toISOString(),
    };
    const copy = [ws, e.eventId, '00000000-0000-4000-8000-000000000000', e.name, esc(JSON.stringify(e.properties)), e.timestamp].join('\t');
    return { json: JSON.stringify(e), copy };
  });

  server = await startServer('api', { DATABASE_URL: bench.url, REFRESH_INTERVAL_MINUTES: '0' });
  const url = server.url.replace(/\/graphql$/, '');
  const run = async (type: 'profiles' | 'events', file: string, rows: number) => {
    const started = process.hrtime.bigint();
    const { status, report } = await sendImport({ url, key: adminKey, type, file, format: 'ndjson' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if ('error' in report || report.status !== 'done' || report.accepted !== rows) throw new Error(`import of ${type} answered ${status}: ${JSON.stringify(report).slice(0, 400)}`);
    return { seconds, report: report as ImportReport };
  };
  console.log('Importing through POST /v1/imports ...');
  const profiles = await run('profiles', profilesFile, PROFILES);
  const events = await run('events', eventsFile, EVENTS);
  const resent = await run('events', eventsFile, EVENTS);

  // The reference: the same rows, already encoded, copied into empty tables without indexes.
  const client = await benchClient(bench.url);
  await client.query(`create table bare_profiles (like profiles including defaults); create table bare_events (like events including defaults);
    create table indexed_profiles (like profiles including all); create table indexed_events (like events including all)`);
  const copy = async (table: string, columns: string, file: string) => {
    const started = process.hrtime.bigint();
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyFrom(`copy ${table} (${columns}) from stdin`)));
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const bareProfiles = await copy('bare_profiles', 'workspace_id, external_id, email, phone, first_name, last_name, city, country, traits, consent_email, consent_ads', join(dir, 'profiles.copy'));
  const bareEvents = await copy('bare_events', 'workspace_id, event_id, profile_id, name, properties, occurred_at', join(dir, 'events.copy'));
  // A second reference: COPY into tables with the same indexes as profiles and events (no foreign key):
  // the floor that index maintenance alone sets for any loader of these tables.
  const indexedProfiles = await copy('indexed_profiles', 'workspace_id, external_id, email, phone, first_name, last_name, city, country, traits, consent_email, consent_ads', join(dir, 'profiles.copy'));
  const indexedEvents = await copy('indexed_events', 'workspace_id, event_id, profile_id, name, properties, occurred_at', join(dir, 'events.copy'));
  const { rows: counts } = await client.query<{ p: number; e: number }>('select (select count(*)::int from profiles) as p, (select count(*)::int from events) as e');
  await client.end();
  if (counts[0]!.p !== PROFILES || counts[0]!.e !== EVENTS) throw new Error(`stored ${counts[0]!.p} profiles and ${counts[0]!.e} events`);

  const rate = (rows: number, s: number) => rows / s;
  const importRate = rate(PROFILES + EVENTS, profiles.seconds + events.seconds);
  const bareRate = rate(PROFILES + EVENTS, bareProfiles + bareEvents);
  const line = (what: string, rows: number, s: number, bare: number, indexed: number) => [
    what,
    fmt(rows),
    `${s.toFixed(1)} s`,
    fmt(rate(rows, s)),
    fmt(rate(rows, bare)),
    `${((100 * bare) / s).toFixed(0)}%`,
    fmt(rate(rows, indexed)),
    `${((100 * indexed) / s).toFixed(0)}%`,
  ];
  console.log();
  console.log(
    formatTable(
      ['', 'rows', 'time', 'import rows/s', 'bare COPY rows/s', 'of bare', 'COPY, same indexes', 'of indexed'],
      [
        line('profiles (merge, phones, memberships)', PROFILES, profiles.seconds, bareProfiles, indexedProfiles),
        line('events (dedupe, purchases, memberships)', EVENTS, events.seconds, bareEvents, indexedEvents),
        line('together', PROFILES + EVENTS, profiles.seconds + events.seconds, bareProfiles + bareEvents, indexedProfiles + indexedEvents),
        line('events re-sent (all duplicates)', EVENTS, resent.seconds, bareEvents, indexedEvents),
      ],
    ),
  );
  console.log(`\nLoad average during the run: ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores.`);
  console.log(`Bulk import ${fmt(Math.round(importRate))} rows/s (target ${fmt(TARGET)}: ${importRate >= TARGET ? 'met' : 'NOT met'}); bare COPY of the same rows ${fmt(Math.round(bareRate))} rows/s in the same run.`);
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  await bench.drop();
}
