/**
 * Merges one chunk of imported profiles set-based, with upsertProfiles' semantics: fields sent
 * replace, traits are merged (null removes one), consent flags sent replace, the phone is
 * normalised to E.164 with the country, visitor ids are attached, an erased externalId's tombstone
 * is lifted (an import is an explicit write of the person), and the changed profiles are announced
 * (profilesChanged). Lines of one externalId within a chunk are folded first, in line order, so the
 * file reads as if its lines were upserted one after the other.
 *
 * Lock order, as profile-locks.ts asks of every writer: the new externalIds are inserted in
 * externalId order (byte order, collate "C"), then every profile of the chunk is locked FOR UPDATE
 * in id order, before any existing row is updated. A concurrent upsertProfiles of the same people
 * waits or is waited for, never in a cycle; should the two byte orders ever disagree (JavaScript
 * sorts UTF-16 units, rare astral characters), PostgreSQL breaks the deadlock and inTransaction runs
 * the chunk again.
 *
 * Export identifiers are not hashed here (8-9k profiles/s of CPU, a sixth of the target rate): a
 * changed profile's identifier row is deleted by the `profiles_export_identifiers_stale` trigger, a
 * new one has none, and export builds fill in the missing rows before they read them (identifiers.ts).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { profilesChanged } from '../segments/profile-changes.js';
import { cleanText, phoneToE164, TEXT_FIELDS, type ProfileData } from '../profiles/profile-input.js';
import { attachVisitors } from '../profiles/visitors.js';
import type { TombstoneHash } from '../profiles/tombstones.js';
import { stageRows, type Cell, type StageColumn } from './staging.js';

/** Lines of one externalId folded in order: later fields replace, traits and consent merge, visitor ids add up. */
export function foldProfile(into: ProfileData, next: ProfileData): ProfileData {
  const out: ProfileData = { ...into };
  for (const field of TEXT_FIELDS) if (next[field] !== undefined) out[field] = next[field];
  if (next.traits) out.traits = { ...(into.traits ?? {}), ...next.traits };
  if (next.consent) {
    const consent = { ...(into.consent ?? {}) };
    for (const key of ['email', 'sms', 'ads'] as const) if (typeof next.consent[key] === 'boolean') consent[key] = next.consent[key];
    out.consent = consent;
  }
  if (next.visitorIds?.length) out.visitorIds = [...(into.visitorIds ?? []), ...next.visitorIds];
  return out;
}

const bool = (v: boolean | null | undefined): Cell => (typeof v === 'boolean' ? (v ? 't' : 'f') : null);

function stagedRow(input: ProfileData): Cell[] {
  const fields: Record<string, string | null> = {};
  for (const field of TEXT_FIELDS) {
    const value = cleanText(input[field]);
    if (value !== undefined) fields[field] = field === 'country' && value ? value.toUpperCase() : value;
  }
  // Right for a new profile and for one whose line sends both; otherwise fixed after the merge.
  const e164 = fields.phone ? phoneToE164(fields.phone, fields.country ?? null) : null;
  const consent = input.consent ?? {};
  return [input.externalId, JSON.stringify(fields), input.traits ? JSON.stringify(input.traits) : null, bool(consent.email), bool(consent.sms), bool(consent.ads), e164];
}

const STAGE_COLUMNS: StageColumn[] = [
  ['external_id', 'text'],
  ['fields', 'jsonb'],
  ['traits', 'jsonb'],
  ['consent_email', 'boolean'],
  ['consent_sms', 'boolean'],
  ['consent_ads', 'boolean'],
  ['phone_e164', 'text'],
];
const COLUMN = { email: 'email', phone: 'phone', firstName: 'first_name', lastName: 'last_name', city: 'city', region: 'region', postalCode: 'postal_code', country: 'country', madid: 'madid' } as const;

export interface ProfileChunkResult {
  created: number;
}

export async function mergeProfiles(tx: Database, workspaceId: string, inputs: readonly ProfileData[], now: Date, hash: TombstoneHash): Promise<ProfileChunkResult> {
  if (inputs.length === 0) return { created: 0 };
  const at = now.toISOString();
  await tx.execute(sql.raw(`create temp table ae_import_profiles (external_id text not null, fields jsonb not null, traits jsonb, consent_email boolean,
    consent_sms boolean, consent_ads boolean, phone_e164 text, created boolean not null default false) on commit drop`));
  await stageRows(tx, 'ae_import_profiles', STAGE_COLUMNS, inputs.map(stagedRow));
  // Row counts for the planner: joins with profiles then probe its unique index instead of hashing the workspace.
  await tx.execute(sql.raw('analyze ae_import_profiles'));
  // New people, inserted whole (ON CONFLICT skips those that exist, by a probe of the unique index)
  // in externalId order: the first step of the lock order.
  const newColumns = [...Object.values(COLUMN), 'phone_e164'].join(', ');
  const newValues = [...Object.keys(COLUMN).map((field) => `s.fields->>'${field}'`), 's.phone_e164'].join(', ');
  const { rows: created } = await tx.execute<{ external_id: string }>(sql`
    with ins as (
      insert into profiles (workspace_id, external_id, ${sql.raw(newColumns)}, traits, consent_email, consent_sms, consent_ads, created_at, updated_at)
      select ${workspaceId}::uuid, s.external_id, ${sql.raw(newValues)}, coalesce(jsonb_strip_nulls(s.traits), '{}'::jsonb),
        coalesce(s.consent_email, false), coalesce(s.consent_sms, false), coalesce(s.consent_ads, false), ${at}::timestamptz, ${at}::timestamptz
      from ae_import_profiles s
      order by s.external_id collate "C"
      on conflict (workspace_id, external_id) do nothing
      returning external_id)
    update ae_import_profiles s set created = true from ins where ins.external_id = s.external_id returning s.external_id`);
  // Every profile of the chunk locked in id order before an existing one is changed.
  const { rows: locked } = await tx.execute<{ id: string; external_id: string }>(sql`
    select p.id, p.external_id from profiles p
    where p.workspace_id = ${workspaceId}::uuid and p.external_id in (select external_id from ae_import_profiles)
    order by p.id for update of p`);
  const assignments = Object.entries(COLUMN)
    .map(([field, column]) => `${column} = case when s.fields ? '${field}' then s.fields->>'${field}' else p.${column} end`)
    .join(',\n      ');
  const { rows: phones } = await tx.execute<{ id: string; phone: string | null; country: string | null }>(sql`
    with u as (
      update profiles p set
      ${sql.raw(assignments)},
      phone_e164 = case when s.fields ? 'phone' and s.fields ? 'country' then s.phone_e164 else p.phone_e164 end,
      traits = case when s.traits is null then p.traits else jsonb_strip_nulls(p.traits || s.traits) end,
      consent_email = coalesce(s.consent_email, p.consent_email),
      consent_sms = coalesce(s.consent_sms, p.consent_sms),
      consent_ads = coalesce(s.consent_ads, p.consent_ads),
      updated_at = ${at}::timestamptz
      from ae_import_profiles s
      where p.workspace_id = ${workspaceId}::uuid and p.external_id = s.external_id and not s.created
      returning p.id, p.phone, p.country, (s.fields ? 'phone') <> (s.fields ? 'country') as partial)
    select id, phone, country from u where partial`);
  // A line that sent the phone or the country but not both: E.164 from the merged row.
  if (phones.length > 0) {
    const ids = phones.map((r) => r.id);
    const e164 = phones.map((r) => phoneToE164(r.phone, r.country));
    await tx.execute(sql`update profiles p set phone_e164 = v.e164 from unnest(${sql.param(ids)}::uuid[], ${sql.param(e164)}::text[]) as v(id, e164) where p.id = v.id`);
  }
  if (created.length > 0) {
    const { rows: any } = await tx.execute<{ any: boolean }>(sql`select exists (select 1 from profile_tombstones where workspace_id = ${workspaceId}::uuid) as any`);
    if (any[0]?.any) {
      const hashes = created.map((r) => hash(r.external_id));
      await tx.execute(sql`delete from profile_tombstones where workspace_id = ${workspaceId}::uuid and external_id_hmac = any(${sql.param(hashes)}::text[])`);
    }
  }
  const idOf = new Map(locked.map((r) => [r.external_id, r.id]));
  const links = inputs.flatMap((input) => (input.visitorIds ?? []).map((visitorId) => ({ visitorId, profileId: idOf.get(input.externalId)! })));
  await attachVisitors(tx, workspaceId, links, now);
  await profilesChanged(tx, workspaceId, locked.map((r) => r.id), now);
  return { created: created.length };
}
