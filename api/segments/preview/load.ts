/**
 * Reading a workspace into a ProfileSnapshot and keeping it current, exactly:
 * 1. the process registers a watch (preview_watches); from then on the triggers of migration 0015
 *    log every profile whose row or events change (preview_changes, with the writing transaction);
 * 2. it waits until every transaction that began before the watch was visible has ended (those
 *    could have written without logging), then notes the current snapshot S0;
 * 3. it reads profiles and events a range of blocks at a time, each in its own statement (no long
 *    transaction; any driver, PGlite included);
 * 4. it re-reads every profile logged by a transaction S0 did not see (refresh): a profile not
 *    logged since S0 read the same in every batch, a logged one is read again in one statement.
 * Each later count starts with step 4 from the snapshot of the previous refresh.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/index.js';
import { ProfileSnapshot, type ProfileRowData } from './snapshot.js';

/** How long a watch lasts without use; a holder idle longer loads again. */
export const WATCH_MS = 10 * 60_000;
/** ~8k profiles or ~25k events a statement (rows are parsed a batch at a time: less garbage at once). */
const BATCH_BLOCKS = 400;
const WAIT_LIMIT_MS = 10_000;

type Row = Record<string, unknown>;
const rows = async (db: Database, query: SQL): Promise<Row[]> => (await db.execute(query)).rows as Row[];
const ms = (column: SQL) => sql`floor(extract(epoch from ${column}) * 1000)::float8`;
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface LoadedSnapshot {
  snapshot: ProfileSnapshot;
  /** pg_snapshot text of the last refresh. */
  pgSnapshot: string;
}

function profileData(r: Row): ProfileRowData {
  return {
    id: String(r.id),
    createdAt: Number(r.created_ms),
    email: (r.email as string | null) ?? null,
    phone: (r.phone as string | null) ?? null,
    consentEmail: r.consent_email === true,
    consentSms: r.consent_sms === true,
    purchaseCount: Number(r.purchase_count),
    purchaseTotal: Number(r.purchase_total),
    firstPurchaseAt: num(r.first_ms),
    lastPurchaseAt: num(r.last_ms),
    avgIntervalDays: num(r.avg_interval_days),
    address: { country: text(r.country), region: text(r.region), city: text(r.city), postalCode: text(r.postal_code) },
    seenGeo: {
      country: text(r.seen_country) ?? undefined,
      region: text(r.seen_region) ?? undefined,
      city: text(r.seen_city) ?? undefined,
      postalCode: text(r.seen_postal_code) ?? undefined,
      continent: text(r.seen_continent) ?? undefined,
      timezone: text(r.seen_timezone) ?? undefined,
    },
  };
}

const PROFILE_COLUMNS = sql`p.id::text as id, ${ms(sql`p.created_at`)} as created_ms, p.email, p.phone, p.consent_email, p.consent_sms,
  p.purchase_count, p.purchase_total, ${ms(sql`p.first_purchase_at`)} as first_ms, ${ms(sql`p.last_purchase_at`)} as last_ms, p.avg_interval_days,
  p.country, p.region, p.city, p.postal_code, p.seen_country, p.seen_region, p.seen_city, p.seen_postal_code, p.seen_continent, p.seen_timezone`;

/** Registers (or extends) this holder's watch of the workspace. */
async function watch(db: Database, workspaceId: string, holder: string): Promise<void> {
  await db.execute(sql`
    insert into preview_watches (workspace_id, holder, until, horizon)
    values (${workspaceId}::uuid, ${holder}, now() + ${`${WATCH_MS} milliseconds`}::interval, pg_snapshot_xmin(pg_current_snapshot()))
    on conflict (workspace_id, holder) do update set until = excluded.until, horizon = excluded.horizon`);
}

/**
 * Waits for the write transactions of this database that were running when the watch became
 * visible (they may have written without logging). Those of other databases of the server do not
 * matter (a snapshot's xmin would wait for them too).
 */
async function awaitOlderTransactions(db: Database): Promise<void> {
  const running = sql`select backend_xid::text from pg_stat_activity where datname = current_database() and backend_xid is not null and pid <> pg_backend_pid()`;
  const [first] = await rows(db, sql`select coalesce(array_agg(x.backend_xid), '{}') as xids from (${running}) x`);
  const xids = first!.xids as string[];
  if (xids.length === 0) return;
  const started = Date.now();
  for (;;) {
    const [row] = await rows(db, sql`select count(*)::int as n from (${running}) x where x.backend_xid = any(${`{${xids.join(',')}}`}::text[])`);
    if (Number(row!.n) === 0) return;
    if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`preview: write transactions still running after ${WAIT_LIMIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Block ranges of a table as it is now: its rows are read a range per statement (TID range scans). */
async function blockRanges(db: Database, table: 'profiles' | 'events'): Promise<Array<[number, number]>> {
  const [row] = await rows(db, sql`select (pg_relation_size(${table}::regclass) / current_setting('block_size')::int)::int as blocks`);
  const blocks = Number(row!.blocks);
  const ranges: Array<[number, number]> = [];
  for (let from = 0; from < blocks; from += BATCH_BLOCKS) ranges.push([from, Math.min(blocks, from + BATCH_BLOCKS)]);
  return ranges;
}

const tidRange = ([from, to]: [number, number]) => sql`ctid >= ${`(${from},0)`}::tid and ctid < ${`(${to},0)`}::tid`;

/**
 * Reads the whole workspace (see the module comment); `holder` names this process's watch. Rows are
 * read in physical order, a range of blocks per statement: a row version moved meanwhile belongs to
 * a profile changed after S0, which the closing refresh reads again whatever the ranges saw.
 */
export async function loadSnapshot(db: Database, workspaceId: string, holder: string): Promise<LoadedSnapshot> {
  await watch(db, workspaceId, holder);
  await awaitOlderTransactions(db);
  const [start] = await rows(db, sql`select pg_current_snapshot()::text as s, (select count(*)::int from profiles where workspace_id = ${workspaceId}::uuid) as n`);
  const snapshot = new ProfileSnapshot(Math.max(1024, Math.ceil(Number(start!.n) * 1.05)));
  const keyRows = await rows(db, sql`select distinct k from profiles, jsonb_object_keys(traits) as k where workspace_id = ${workspaceId}::uuid`);
  const keys = keyRows.map((r) => String(r.k));
  const traitColumns = keys.length === 0 ? sql`` : sql`, ${sql.join(keys.map((k, i) => sql`(p.traits -> ${k}::text)::text as ${sql.identifier(`t${i}`)}`), sql`, `)}`;
  const traits = new Map<string, string | null>();
  for (const range of await blockRanges(db, 'profiles')) {
    const batch = await rows(db, sql`select ${PROFILE_COLUMNS}${traitColumns} from profiles p where ${tidRange(range)} and p.workspace_id = ${workspaceId}::uuid`);
    for (const r of batch) {
      keys.forEach((k, i) => traits.set(k, (r[`t${i}`] as string | null) ?? null));
      snapshot.add(profileData(r), traits);
    }
  }
  for (const range of await blockRanges(db, 'events')) {
    const batch = await rows(db, sql`
      select e.profile_id::text as profile_id, e.name, ${ms(sql`e.occurred_at`)} as at, e.properties::text as properties
      from events e where ${tidRange(range)} and e.workspace_id = ${workspaceId}::uuid`);
    for (const e of batch) {
      const slot = snapshot.slotOf(String(e.profile_id));
      // An event of a profile created after the profiles were read: the log brings both.
      if (slot >= 0) snapshot.addEvent(slot, String(e.name), Number(e.at), String(e.properties));
    }
  }
  const loaded = { snapshot, pgSnapshot: String(start!.s) };
  if (!(await refreshSnapshot(db, workspaceId, holder, loaded))) throw new Error('preview: the watch expired during the load');
  return loaded;
}

/**
 * Applies every change the copy has not seen; false when the watch had expired (changes may have
 * gone unlogged: load again). Also extends the watch and prunes the log below every holder's horizon.
 */
export async function refreshSnapshot(db: Database, workspaceId: string, holder: string, loaded: LoadedSnapshot): Promise<boolean> {
  const ws = sql`${workspaceId}::uuid`;
  const prev = sql`${loaded.pgSnapshot}::pg_snapshot`;
  const [result] = await rows(db, sql`
    with watched as (
      update preview_watches set until = now() + ${`${WATCH_MS} milliseconds`}::interval, horizon = pg_snapshot_xmin(${prev})
      where workspace_id = ${ws} and holder = ${holder} and until > now() returning 1),
    changed as (
      select distinct c.profile_id from preview_changes c
      where c.workspace_id = ${ws} and c.xid >= pg_snapshot_xmin(${prev}) and not pg_visible_in_snapshot(c.xid, ${prev})),
    pruned as (
      delete from preview_changes c where c.workspace_id = ${ws}
        and c.xid < (select coalesce(min(w.horizon), pg_snapshot_xmin(${prev})) from preview_watches w where w.workspace_id = ${ws} and w.until > now())
      returning 1)
    select pg_current_snapshot()::text as s, (select count(*)::int from watched) as watched, (select count(*)::int from pruned) as pruned,
      coalesce((select json_agg(json_build_object('id', c.profile_id, 'p', (
          select row_to_json(x) from (select ${PROFILE_COLUMNS}, p.traits from profiles p where p.id = c.profile_id and p.workspace_id = ${ws}) x),
        'e', (select json_agg(json_build_array(e.name, ${ms(sql`e.occurred_at`)}, e.properties)) from events e
              where e.profile_id = c.profile_id and e.workspace_id = ${ws}))) from changed c), '[]'::json) as changes`);
  if (Number(result!.watched) === 0) return false;
  const changes = (typeof result!.changes === 'string' ? JSON.parse(result!.changes) : result!.changes) as Array<{
    id: string;
    p: (Row & { traits: Record<string, unknown> }) | null;
    e: Array<[string, number, unknown]> | null;
  }>;
  const { snapshot } = loaded;
  for (const change of changes) {
    snapshot.remove(change.id);
    if (change.p === null) continue; // deleted
    const traits = new Map<string, string | null>(Object.entries(change.p.traits).map(([k, v]) => [k, JSON.stringify(v)]));
    const slot = snapshot.add(profileData(change.p), traits);
    for (const [name, at, properties] of change.e ?? []) snapshot.addEvent(slot, name, Number(at), JSON.stringify(properties));
  }
  loaded.pgSnapshot = String(result!.s);
  return true;
}

/** Ends a holder's watch (the copy was released). */
export async function unwatch(db: Database, workspaceId: string, holder: string): Promise<void> {
  await db.execute(sql`delete from preview_watches where workspace_id = ${workspaceId}::uuid and holder = ${holder}`);
  await db.execute(sql`delete from preview_changes c where c.workspace_id = ${workspaceId}::uuid
    and not exists (select 1 from preview_watches w where w.workspace_id = c.workspace_id and w.until > now())`);
}
