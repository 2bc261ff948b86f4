/**
 * A profile's export identifiers, computed once when the profile is written rather than per row of
 * every export: the cells of formats.ts (so the two can never disagree), split into the typed
 * columns of profile_export_identifiers. A build fills in the rows it finds missing (profiles
 * written by another path, or before the table existed, or whose identifiers changed since).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import type { ProfileExportIdentifiersRow } from '../../drizzle/index.js';
import { formatRow, type Cell, type ExportProfile } from './formats.js';

/** The profile columns the identifiers are made of (a change of any of them makes the row stale). */
export type IdentifierSource = Omit<ExportProfile, 'visitorIds'>;

const text = (cell: Cell | undefined): string | null => (typeof cell === 'string' ? cell : null);

/** The identifiers of one profile, every destination's normalisation applied. Pure. */
export function exportIdentifiers(profile: IdentifierSource): ProfileExportIdentifiersRow {
  const member = { action: 'add' as const, profile: { ...profile, visitorIds: [] }, joinedAt: null };
  const options = { mode: 'FULL' as const, segment: '' };
  const meta = formatRow('META', member, options);
  const google = formatRow('GOOGLE', member, options);
  // A row a platform cannot match has no valid e-mail (Meta) or phone (Google): GENERIC's hashes of
  // them are null too, and the other cells are never sent.
  const metaCells = meta.ok ? meta.cells : [];
  const googleCells = google.ok ? google.cells : [];
  return {
    profileId: profile.id,
    emailSha256: text(metaCells[0]),
    metaPhone: text(metaCells[1]),
    metaFn: text(metaCells[2]),
    metaLn: text(metaCells[3]),
    metaCt: text(metaCells[4]),
    metaSt: text(metaCells[5]),
    metaZip: text(metaCells[6]),
    metaCountry: text(metaCells[7]),
    madid: text(metaCells[8]),
    googleEmail: text(googleCells[0]),
    phoneE164Sha256: text(googleCells[1]),
    googleFn: text(googleCells[2]),
    googleLn: text(googleCells[3]),
    googleCountry: text(googleCells[4]),
    googleZip: text(googleCells[5]),
    metaOk: meta.ok,
    googleOk: google.ok,
    metaInvalid: meta.invalid,
    googleInvalid: google.invalid,
    genericInvalid: [...(meta.invalid.includes('EMAIL') ? ['email_sha256'] : []), ...(google.invalid.includes('Phone') ? ['phone_sha256'] : [])],
  };
}

const ROW_COLUMNS = {
  profileId: 'profile_id',
  emailSha256: 'email_sha256',
  metaPhone: 'meta_phone',
  metaFn: 'meta_fn',
  metaLn: 'meta_ln',
  metaCt: 'meta_ct',
  metaSt: 'meta_st',
  metaZip: 'meta_zip',
  metaCountry: 'meta_country',
  madid: 'madid',
  googleEmail: 'google_email',
  phoneE164Sha256: 'phone_e164_sha256',
  googleFn: 'google_fn',
  googleLn: 'google_ln',
  googleCountry: 'google_country',
  googleZip: 'google_zip',
  metaOk: 'meta_ok',
  googleOk: 'google_ok',
  metaInvalid: 'meta_invalid',
  googleInvalid: 'google_invalid',
  genericInvalid: 'generic_invalid',
} as const satisfies Record<keyof ProfileExportIdentifiersRow, string>;

const COLUMN_LIST = sql.raw(Object.values(ROW_COLUMNS).join(', '));
const UPDATE_LIST = sql.raw(
  Object.values(ROW_COLUMNS)
    .filter((c) => c !== 'profile_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', '),
);

/** Writes (or replaces) the identifiers of these profiles in one statement. */
export async function writeExportIdentifiers(db: Pick<Database, 'execute'>, rows: readonly ProfileExportIdentifiersRow[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(Object.entries(ROW_COLUMNS).map(([key, column]) => [column, row[key as keyof typeof ROW_COLUMNS]]))));
  await db.execute(sql`
    insert into profile_export_identifiers (${COLUMN_LIST})
    select ${COLUMN_LIST} from json_populate_recordset(null::profile_export_identifiers, ${json}::json)
    on conflict (profile_id) do update set ${UPDATE_LIST}`);
}

/** Computes and writes the identifiers of profiles given by their source columns. */
export const storeExportIdentifiers = (db: Pick<Database, 'execute'>, profiles: readonly IdentifierSource[]): Promise<void> =>
  writeExportIdentifiers(db, profiles.map(exportIdentifiers));

const SOURCE_COLUMNS = sql.raw(
  `p.id, p.external_id as "externalId", p.email, p.phone, p.first_name as "firstName", p.last_name as "lastName", p.city, p.region, p.postal_code as "postalCode", p.country, p.madid`,
);

/** Computes and stores the identifiers of the profiles with these ids (those that still exist). */
export async function fillExportIdentifiers(db: Database, ids: readonly string[], batch = 2_000): Promise<void> {
  for (let at = 0; at < ids.length; at += batch) {
    const { rows } = await db.execute<IdentifierSource>(sql`select ${SOURCE_COLUMNS} from profiles p where p.id = any(${sql.param(ids.slice(at, at + batch))}::uuid[])`);
    await storeExportIdentifiers(db, rows);
  }
}

/**
 * Fills in the identifiers of every profile that has none (profiles from before the table, or
 * written by a path that does not compute them), in key order and batches; returns how many.
 * Run as the `backfill-export-identifiers` job at every start; builds fill what is still missing for their members.
 */
export async function backfillExportIdentifiers(db: Database, batch = 2_000): Promise<number> {
  let filled = 0;
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const { rows } = await db.execute<IdentifierSource>(sql`
      select ${SOURCE_COLUMNS} from profiles p
      where p.id > ${after} and not exists (select 1 from profile_export_identifiers i where i.profile_id = p.id)
      order by p.id limit ${batch}`);
    if (rows.length === 0) return filled;
    await storeExportIdentifiers(db, rows);
    filled += rows.length;
    after = rows[rows.length - 1]!.id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
