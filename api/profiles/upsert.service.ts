/**
 * upsertProfiles: idempotent by externalId. Fields that are sent replace the stored ones, traits
 * are merged (null removes one), visitor ids are attached. One transaction per batch (retried on a
 * deadlock or serialization failure), its profiles locked first (profile-locks.ts), then the
 * changed profiles are marked dirty for the evaluator (evaluated in the request after the commit
 * with `waitForMemberships`). Each profile's export
 * identifiers (normalised and hashed per ad platform) are written alongside. Creating a profile
 * whose externalId was erased removes its tombstone (tombstones.ts).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { jsonRows } from '../db/json-rows.js';
import { BadInputError } from '../errors.js';
import { profiles, type ProfileRow } from '../../drizzle/index.js';
import { traitTypes } from '../traits/traits.service.js';
import { profilesChanged } from '../segments/profile-changes.js';
import { profileChangesCommitted, type MembershipWait } from '../segments/dirty-evaluator.js';
import { cleanText, phoneToE164, profileProblems, TEXT_FIELDS, type ProfileData, type Problem } from './profile-input.js';
import { attachVisitors } from './visitors.js';
import { lockProfiles } from './profile-locks.js';
import { storeExportIdentifiers } from '../exports/identifiers.js';
import { liftTombstones, tombstoneHash } from './tombstones.js';

export const MAX_PROFILE_BATCH = 1000;

export interface UpsertResult {
  profiles: ProfileRow[];
  created: number;
  updated: number;
}

/** Throws BAD_USER_INPUT listing every problem (each with its path). */
export function throwProblems(problems: readonly Problem[]): never {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
  throw new BadInputError(`${first.path}: ${first.message}${more}`, { problems });
}

function duplicateProblems(inputs: readonly ProfileData[], path: string): Problem[] {
  const seen = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    if (typeof input.externalId === 'string') seen.set(input.externalId, [...(seen.get(input.externalId) ?? []), i]);
  });
  return [...seen.entries()]
    .filter(([, at]) => at.length > 1)
    .map(([id, at]) => ({
      path: `${path}[${at[0]}].externalId`,
      message: `externalId '${id.slice(0, 80)}' appears more than once in this batch (${at.map((i) => `${path}[${i}]`).join(', ')}): send each profile once`,
    }));
}

type Values = typeof profiles.$inferInsert;

/** The locked row `existing` with the fields `input` sends (and only those) replaced. */
function merge(input: ProfileData, existing: ProfileRow, now: Date): Values {
  const row: Values = { ...existing };
  for (const field of TEXT_FIELDS) {
    const value = cleanText(input[field]);
    if (value !== undefined) row[field] = field === 'country' && value ? value.toUpperCase() : value;
  }
  const traits: Record<string, unknown> = { ...(existing.traits ?? {}) };
  for (const [name, value] of Object.entries(input.traits ?? {})) {
    if (value === null) delete traits[name];
    else traits[name] = JSON.parse(JSON.stringify(value)) as unknown;
  }
  row.traits = traits;
  const consent = input.consent ?? {};
  if (typeof consent.email === 'boolean') row.consentEmail = consent.email;
  if (typeof consent.sms === 'boolean') row.consentSms = consent.sms;
  if (typeof consent.ads === 'boolean') row.consentAds = consent.ads;
  row.phoneE164 = phoneToE164(row.phone ?? null, row.country ?? null);
  row.updatedAt = now;
  return row;
}

const UPDATED_COLUMNS = [...TEXT_FIELDS, 'phoneE164', 'traits', 'consentEmail', 'consentSms', 'consentAds', 'updatedAt'] as const;

/** A profile before any input: every column a created row is inserted with (lockProfiles needs them all). */
function emptyProfile(workspaceId: string, externalId: string, now: Date): ProfileRow {
  const empty = { id: '', workspaceId, externalId, phoneE164: null, traits: {}, consentEmail: false, consentSms: false, consentAds: false, createdAt: now, updatedAt: now };
  return { ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, null])), ...empty, purchaseCount: 0, purchaseTotal: 0, firstPurchaseAt: null, lastPurchaseAt: null, avgIntervalDays: null } as ProfileRow;
}

/** Writes the merged rows of existing (locked) profiles: one statement, the rows as one JSON parameter. */
async function updateProfiles(tx: Database, rows: readonly Values[]): Promise<void> {
  if (rows.length === 0) return;
  const set = sql.join(UPDATED_COLUMNS.map((c) => sql`${sql.identifier(profiles[c].name)} = r.${sql.identifier(profiles[c].name)}`), sql`, `);
  await tx.execute(sql`update ${profiles} p set ${set} from ${jsonRows(profiles, ['id', ...UPDATED_COLUMNS], rows)} where p.id = r.id`);
}

export async function upsertProfiles(
  db: Database,
  workspaceId: string,
  inputs: readonly ProfileData[],
  now = new Date(),
  path = 'inputs',
  wait: MembershipWait = {},
): Promise<UpsertResult> {
  if (inputs.length > MAX_PROFILE_BATCH) throwProblems([{ path, message: `at most ${MAX_PROFILE_BATCH} profiles in one batch, not ${inputs.length}` }]);
  if (inputs.length === 0) return { profiles: [], created: 0, updated: 0 };
  const declared = await traitTypes(db, workspaceId);
  const single = path !== 'inputs';
  const problems = [
    ...inputs.flatMap((input, i) => profileProblems(input, declared, single ? path : `${path}[${i}]`)),
    ...duplicateProblems(inputs, path),
  ];
  if (problems.length > 0) throwProblems(problems);
  const hash = await tombstoneHash(db);

  const result = await inTransaction(db, async (tx) => {
    // Every profile exists and is locked from here on (see profile-locks.ts): each input is merged
    // into the row as the last writer committed it, so a field not sent is never overwritten.
    // A profile created here is inserted complete (its input merged into an empty profile); the
    // others are merged into their locked row and updated.
    const inputOf = new Map(inputs.map((input) => [input.externalId, input]));
    const fresh = (externalId: string) => {
      const { id: _id, ...row } = merge(inputOf.get(externalId)!, emptyProfile(workspaceId, externalId, now), now);
      return row;
    };
    const { rows: locked, created } = await lockProfiles(tx, workspaceId, { externalIds: inputs.map((i) => i.externalId) }, now, undefined, fresh);
    const byExternal = new Map(locked.map((r) => [r.externalId, r]));
    // Only an explicit upsert creates an erased person again: their tombstone goes.
    await liftTombstones(tx, workspaceId, hash, [...created]);
    // The merged rows are what is written: complete rows (the locked ones with the input applied).
    const updated = inputs.filter((input) => !created.has(input.externalId)).map((input) => merge(input, byExternal.get(input.externalId)!, now) as ProfileRow);
    await updateProfiles(tx, updated);
    const rows = [...locked.filter((r) => created.has(r.externalId!)), ...updated];
    // Normalised and hashed once here, so audience exports are set-based SQL over the results.
    await storeExportIdentifiers(tx, rows);
    const byId = new Map(rows.map((r) => [r.externalId, r]));
    const ordered = inputs.map((input) => byId.get(input.externalId)!);
    const visitorLinks = inputs.flatMap((input, i) => (input.visitorIds ?? []).map((visitorId) => ({ visitorId, profileId: ordered[i]!.id })));
    await attachVisitors(tx, workspaceId, visitorLinks, now);
    await profilesChanged(tx, workspaceId, ordered.map((r) => r.id), now);
    return { profiles: ordered, created: created.size, updated: inputs.length - created.size };
  });
  await profileChangesCommitted(db, workspaceId, result.profiles.map((r) => r.id), now, wait);
  return result;
}
