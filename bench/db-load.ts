/**
 * Loads synthetic profiles and events server-side (`insert ... select from generate_series` with a
 * seeded random()), with the secondary indexes and constraints of `profiles` and `events` dropped
 * during the load and rebuilt afterwards, exactly as the migrations defined them (checked).
 *
 * Per profile: declared traits of every type (some missing), contact fields and consent, a creation
 * date in the last 3 years, 0-20 purchases (40% never bought) with purchase columns consistent with
 * the purchase events, ~1.6 page views mostly in the last 60 days, and a few other events
 * (add_to_cart, email_click, complaint, referral, review, ...). About 3.3 events per profile.
 */
import type pg from 'pg';

const DAY_MS = 86_400_000;

/** The traits the load writes, declared in the workspace before it. */
export const BENCH_TRAITS = [
  { name: 'plan', type: 'string', description: 'free, starter, pro or enterprise' },
  { name: 'industry', type: 'string', description: 'Industry' },
  { name: 'satisfactionScore', type: 'number', description: 'CSAT 1-5' },
  { name: 'npsScore', type: 'number', description: 'NPS 0-10' },
  { name: 'fitScore', type: 'number', description: 'Fit 0-100' },
  { name: 'seats', type: 'number', description: 'Licensed seats' },
  { name: 'newsletter', type: 'boolean', description: 'Newsletter subscriber' },
  { name: 'betaTester', type: 'boolean', description: 'In the beta programme' },
  { name: 'signupDate', type: 'date', description: 'Signup day' },
  { name: 'renewalDate', type: 'date', description: 'Next renewal' },
  { name: 'interests', type: 'stringList', description: 'Product interests' },
  { name: 'tags', type: 'stringList', description: 'CRM tags' },
] as const;

export const PLANS = ['free', 'starter', 'pro', 'enterprise'];
export const INDUSTRIES = ['retail', 'saas', 'finance', 'health', 'education', 'travel', 'media', 'manufacturing'];
export const INTERESTS = ['shoes', 'bags', 'watches', 'outdoor', 'kids', 'beauty', 'electronics', 'books'];
export const TAGS = ['vip', 'wholesale', 'churn-risk', 'partner', 'press', 'employee'];
export const COUNTRIES = ['VN', 'TH', 'SG', 'US', 'GB', 'DE', 'FR', 'JP', 'AU', 'BR'];
export const PATHS = ['/', '/pricing', '/pricing/enterprise', '/blog/launch', '/blog/tips/shoes', '/product/1001', '/product/1002', '/product/2001', '/account', '/cart'];
/** Other events: name and the probability that a profile has one. */
export const OTHER_EVENTS: ReadonlyArray<readonly [string, number]> = [
  ['add_to_cart', 0.1],
  ['email_click', 0.12],
  ['complaint', 0.02],
  ['referral', 0.03],
  ['review', 0.05],
  ['testimonial', 0.01],
  ['trial_signup', 0.03],
  ['demo_request', 0.02],
  ['onboarding_completed', 0.05],
];

const sqlList = (values: readonly string[]) => `array[${values.map((v) => `'${v}'`).join(',')}]`;
/** A random element of a text array literal. */
const pick = (values: readonly string[]) => `(${sqlList(values)})[1 + floor(random() * ${values.length})::int]`;
const ts = (msExpr: string) => `(timestamptz 'epoch' + (${msExpr}) * interval '1 millisecond')`;

function profilesSql(): string {
  // $1 workspace, $2 profile count, $3 now (epoch ms). The inner query draws the random numbers once
  // per row (offset 0 keeps it from being flattened into the outer expressions).
  return `
insert into profiles (workspace_id, external_id, email, phone, phone_e164, first_name, last_name, city, country,
  traits, consent_email, consent_sms, consent_ads, purchase_count, purchase_total, first_purchase_at, last_purchase_at,
  avg_interval_days, created_at, updated_at)
select $1::uuid, 'cust-' || g, case when r_email < 0.8 then 'cust' || g || '@example.com' end,
  case when r_phone < 0.5 then '+8490' || lpad(g::text, 7, '0') end, case when r_phone < 0.5 then '+8490' || lpad(g::text, 7, '0') end,
  'First' || (g % 997), 'Last' || (g % 1009), 'City' || (g % 50), country,
  jsonb_strip_nulls(jsonb_build_object(
    'plan', case when random() < 0.95 then ${pick(PLANS)} end,
    'industry', case when random() < 0.7 then ${pick(INDUSTRIES)} end,
    'satisfactionScore', case when random() < 0.5 then 1 + floor(random() * 5)::int end,
    'npsScore', case when random() < 0.4 then floor(random() * 11)::int end,
    'fitScore', case when random() < 0.8 then floor(random() * 101)::int end,
    'seats', case when random() < 0.6 then 1 + floor(random() * 200)::int end,
    'newsletter', case when random() < 0.9 then random() < 0.35 end,
    'betaTester', case when random() < 0.3 then random() < 0.2 end,
    'signupDate', to_char(${ts('created_ms')} at time zone 'UTC', 'YYYY-MM-DD'),
    'renewalDate', case when random() < 0.5 then to_char(${ts(`$3::bigint + floor((random() * 400 - 30) * ${DAY_MS})::bigint`)} at time zone 'UTC', 'YYYY-MM-DD') end,
    'interests', case when random() < 0.7 then to_jsonb(array_remove(array[
      case when random() < 0.3 then ${pick(INTERESTS)} end, case when random() < 0.3 then ${pick(INTERESTS)} end,
      case when random() < 0.3 then ${pick(INTERESTS)} end], null)) end,
    'tags', case when random() < 0.2 then to_jsonb(array[${pick(TAGS)}]) end
  )),
  r_email < 0.6, r_phone < 0.3, random() < 0.5,
  c, round((c * price)::numeric, 2)::float8,
  case when c > 0 then ${ts('first_ms')} end, case when c > 0 then ${ts('last_ms')} end,
  case when c > 1 then (last_ms - first_ms)::float8 / ${DAY_MS} / (c - 1) end,
  ${ts('created_ms')}, ${ts('created_ms')}
from (
  select g, r_email, r_phone, country, c, price, created_ms, first_ms,
    case when c > 1 then first_ms + floor(random() * ($3::bigint - first_ms))::bigint else first_ms end as last_ms
  from (
    select g, r_email, r_phone, country, c, price, created_ms,
      created_ms + floor(random() * ($3::bigint - created_ms))::bigint as first_ms
    from (
      select g, random() as r_email, random() as r_phone, ${pick(COUNTRIES)} as country,
        case when random() < 0.4 then 0 else least(20, 1 + floor(-ln(1 - random()) * 1.4)::int) end as c,
        round((5 + random() * 195)::numeric, 2)::float8 as price,
        $3::bigint - floor(random() * ${3 * 365} * ${DAY_MS})::bigint as created_ms
      from generate_series(1, $2::int) g
      offset 0
    ) a offset 0
  ) b offset 0
) d`;
}

function purchasesSql(): string {
  // Spread each profile's purchases evenly from its first to its last purchase.
  return `
insert into events (workspace_id, event_id, profile_id, name, properties, occurred_at)
select p.workspace_id, 'pur-' || p.external_id || '-' || i, p.id, 'purchase',
  jsonb_build_object('amount', round((p.purchase_total / p.purchase_count)::numeric, 2), 'requiresOnboarding', random() < 0.15),
  case when p.purchase_count = 1 then p.first_purchase_at
    else p.first_purchase_at + (p.last_purchase_at - p.first_purchase_at) * i / (p.purchase_count - 1) end
from profiles p cross join lateral generate_series(0, p.purchase_count - 1) i
where p.workspace_id = $1::uuid and p.purchase_count > 0`;
}

function pageViewsSql(): string {
  return `
insert into events (workspace_id, event_id, profile_id, name, properties, occurred_at)
select p.workspace_id, 'pv-' || p.external_id || '-' || i, p.id, 'page_view',
  jsonb_build_object('path', ${pick(PATHS)}),
  ${ts(`$2::bigint - floor((case when random() < 0.85 then random() * 60 else random() * 700 end) * ${DAY_MS})::bigint`)}
from (select id, workspace_id, external_id, floor(-ln(1 - random()) * 1.6)::int as n from profiles where workspace_id = $1::uuid offset 0) p
cross join lateral generate_series(1, p.n) i`;
}

function otherEventsSql(): string {
  const names = OTHER_EVENTS.map(([name]) => `'${name}'`).join(',');
  const probabilities = OTHER_EVENTS.map(([, probability]) => probability).join(',');
  return `
insert into events (workspace_id, event_id, profile_id, name, properties, occurred_at)
select p.workspace_id, x.name || '-' || p.external_id, p.id, x.name,
  case when x.name = 'review' then jsonb_build_object('rating', 1 + floor(random() * 5)::int) else '{}'::jsonb end,
  ${ts(`$2::bigint - floor(random() * 365 * ${DAY_MS})::bigint`)}
from profiles p cross join unnest(array[${names}], array[${probabilities}]::float8[]) as x(name, probability)
where p.workspace_id = $1::uuid and random() * (1 + 0 * p.purchase_count) < x.probability`; // a join qual: drawn per profile
}

interface Deferred {
  table: string;
  kind: 'index' | 'constraint';
  name: string;
  definition: string;
}

/**
 * The secondary indexes and constraints of `tables` that can be dropped for a bulk load: every index
 * and unique / primary / foreign key constraint, except constraints whose index a foreign key of
 * another table needs (profiles' primary key).
 */
async function deferrable(client: pg.Client, tables: readonly string[]): Promise<Deferred[]> {
  const constraints = await client.query<{ table: string; name: string; definition: string; index: string | null }>(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition, c.conindid::regclass::text as index
     from pg_constraint c
     where c.conrelid = any($1::regclass[]) and c.contype in ('p', 'u', 'f')
       and not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = c.conindid and c.contype <> 'f'
                         and f.conrelid <> all($1::regclass[]))
     order by c.contype desc, c.conname`,
    [tables],
  );
  const kept = await client.query<{ index: string }>(
    `select c.conindid::regclass::text as index from pg_constraint c where c.conrelid = any($1::regclass[]) and c.contype in ('p', 'u')`,
    [tables],
  );
  const constraintIndexes = new Set(kept.rows.map((r) => r.index));
  const indexes = await client.query<{ table: string; name: string; definition: string }>(
    `select tablename as table, indexname as name, indexdef as definition from pg_indexes where tablename = any($1::text[]) and schemaname = 'public' order by indexname`,
    [tables],
  );
  return [
    ...constraints.rows.map((r): Deferred => ({ table: r.table, kind: 'constraint', name: r.name, definition: r.definition })),
    ...indexes.rows.filter((r) => !constraintIndexes.has(r.name)).map((r): Deferred => ({ table: r.table, kind: 'index', name: r.name, definition: r.definition })),
  ];
}

const signature = (items: readonly Deferred[]) => items.map((d) => `${d.table}|${d.kind}|${d.name}|${d.definition}`).sort().join('\n');

export interface LoadResult {
  profiles: number;
  events: number;
  eventsByName: Record<string, number>;
  /** Seconds: generation of rows, index and constraint rebuild, VACUUM ANALYZE. */
  generateS: number;
  indexS: number;
  analyzeS: number;
  totalS: number;
}

/**
 * Loads `count` profiles and their events into `workspaceId`. `clients` are two connections to the
 * bench database (indexes of the two tables are rebuilt in parallel on them).
 */
export async function loadSynthetic(
  clients: readonly [pg.Client, pg.Client],
  workspaceId: string,
  count: number,
  now: number,
  log: (line: string) => void,
): Promise<LoadResult> {
  const [a, b] = clients;
  const started = performance.now();
  for (const client of clients) {
    await client.query(`set maintenance_work_mem = '1GB'`);
    await client.query(`set work_mem = '256MB'`);
    await client.query(`set synchronous_commit = off`);
  }
  await a.query('select setseed(0.42)');
  const tables = ['profiles', 'events'];
  const deferred = await deferrable(a, tables);
  for (const d of [...deferred].filter((d) => d.kind === 'constraint').sort((x, y) => (x.definition.startsWith('FOREIGN') ? -1 : 1) - (y.definition.startsWith('FOREIGN') ? -1 : 1))) {
    await a.query(`alter table ${d.table} drop constraint ${d.name}`);
  }
  for (const d of deferred.filter((d) => d.kind === 'index')) await a.query(`drop index ${d.name}`);

  const step = async (label: string, text: string, params: unknown[]) => {
    const t = performance.now();
    const result = await a.query(text, params);
    log(`  ${label}: ${(result.rowCount ?? 0).toLocaleString('en-US')} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return result.rowCount ?? 0;
  };
  const profiles = await step('profiles', profilesSql(), [workspaceId, count, now]);
  let events = await step('purchase events', purchasesSql(), [workspaceId]);
  events += await step('page_view events', pageViewsSql(), [workspaceId, now]);
  events += await step('other events', otherEventsSql(), [workspaceId, now]);
  const generateS = (performance.now() - started) / 1000;

  // Rebuild: plain indexes and primary / unique keys of each table on its own connection, then
  // foreign keys (validated in one pass each).
  const t = performance.now();
  const rebuild = async (client: pg.Client, table: string) => {
    for (const d of deferred.filter((x) => x.table === table && !x.definition.startsWith('FOREIGN'))) {
      await client.query(d.kind === 'index' ? d.definition : `alter table ${d.table} add constraint ${d.name} ${d.definition}`);
    }
  };
  await Promise.all([rebuild(a, 'profiles'), rebuild(b, 'events')]);
  for (const d of deferred.filter((x) => x.definition.startsWith('FOREIGN'))) {
    await a.query(`alter table ${d.table} add constraint ${d.name} ${d.definition}`);
  }
  const after = await deferrable(a, tables);
  if (signature(after) !== signature(deferred)) {
    throw new Error(`The rebuilt indexes differ from the migrated ones:\nbefore:\n${signature(deferred)}\nafter:\n${signature(after)}`);
  }
  const indexS = (performance.now() - t) / 1000;
  log(`  indexes and constraints rebuilt (${deferred.length}) in ${indexS.toFixed(1)} s`);

  const v = performance.now();
  await Promise.all([a.query('vacuum (analyze) profiles'), b.query('vacuum (analyze) events')]);
  const analyzeS = (performance.now() - v) / 1000;
  log(`  vacuum analyze in ${analyzeS.toFixed(1)} s`);

  const byName = await a.query<{ name: string; n: string }>('select name, count(*) as n from events group by name order by 2 desc');
  return {
    profiles,
    events,
    eventsByName: Object.fromEntries(byName.rows.map((r) => [r.name, Number(r.n)])),
    generateS,
    indexS,
    analyzeS,
    totalS: (performance.now() - started) / 1000,
  };
}
