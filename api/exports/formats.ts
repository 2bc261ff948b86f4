/**
 * Rows of an audience export, pure: the header and cells of one member for META, GOOGLE or GENERIC,
 * and their CSV (RFC 4180) or JSONL encoding. DELTA files lead with an `action` column (`add` |
 * `remove`); a removed member may be an erased profile, of which only its id and the SHA-256 of
 * its external id are left.
 */
import { genericEmailSha256, genericPhoneSha256, googleCountry, googleEmail, googleName, googlePhone, googleZip } from './normalise.js';
import { metaCity, metaCountry, metaEmail, metaExternId, metaMadid, metaName, metaPhone, metaState, metaZip } from './normalise.js';

export type Destination = 'META' | 'GOOGLE' | 'GENERIC';
export type ExportMode = 'FULL' | 'DELTA';
export type MemberAction = 'add' | 'remove';

/** A profile as read for an export. */
export interface ExportProfile {
  id: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  madid: string | null;
  visitorIds: readonly string[];
}

/** What an erasure tombstone keeps: never a raw identifier. */
export interface ErasedProfile {
  erased: true;
  id: string;
  /** SHA-256 hex of the external id, null for an anonymous profile. */
  externalIdSha256: string | null;
}

export interface ExportMember {
  action: MemberAction;
  profile: ExportProfile | ErasedProfile;
  /** When the profile joined the segment; null when unknown (an erased member). */
  joinedAt: Date | string | null;
}

export interface RowOptions {
  mode: ExportMode;
  /** Segment slug, written by GENERIC. */
  segment: string;
  /**
   * META EXTERN_ID as stored (`raw`, the default, as Meta's rules have it) or as its SHA-256, which
   * lets a DELTA remove an erased member by the hash its tombstone kept.
   */
  metaExternId?: 'raw' | 'sha256';
}

/** A cell: text, a list (GENERIC visitor_ids) or empty. */
export type Cell = string | readonly string[] | null;

export type RowResult =
  /** `invalid`: columns whose input was present but unusable, left empty. */
  | { ok: true; cells: Cell[]; invalid: string[] }
  /** No usable identifier at all: the row is skipped. */
  | { ok: false; reason: 'no-identifier'; invalid: string[] };

export const COLUMNS = {
  META: ['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID', 'EXTERN_ID'],
  GOOGLE: ['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip'],
  GENERIC: ['profile_id', 'external_id', 'visitor_ids', 'email_sha256', 'phone_sha256', 'segment', 'joined_at'],
} as const satisfies Record<Destination, readonly string[]>;

/** The header of a file: the destination's columns, after `action` in DELTA mode. */
export function exportHeader(destination: Destination, mode: ExportMode): string[] {
  return mode === 'DELTA' ? ['action', ...COLUMNS[destination]] : [...COLUMNS[destination]];
}

type Cells = Record<string, Cell>;

function metaCells(p: ExportProfile | ErasedProfile, externId: 'raw' | 'sha256'): Cells {
  if ('erased' in p) return { EXTERN_ID: externId === 'sha256' ? p.externalIdSha256 : null };
  return {
    EMAIL: metaEmail(p.email),
    PHONE: metaPhone(p.phone, p.country),
    FN: metaName(p.firstName),
    LN: metaName(p.lastName),
    CT: metaCity(p.city),
    ST: metaState(p.region, p.country),
    ZIP: metaZip(p.postalCode, p.country),
    COUNTRY: metaCountry(p.country),
    MADID: metaMadid(p.madid),
    EXTERN_ID: metaExternId(p.externalId, externId),
  };
}

function googleCells(p: ExportProfile | ErasedProfile): Cells {
  if ('erased' in p) return {};
  return {
    Email: googleEmail(p.email),
    Phone: googlePhone(p.phone, p.country),
    'First Name': googleName(p.firstName),
    'Last Name': googleName(p.lastName),
    Country: googleCountry(p.country),
    Zip: googleZip(p.postalCode, p.country),
  };
}

function genericCells(m: ExportMember, segment: string): Cells {
  const p = m.profile;
  const joinedAt = m.joinedAt instanceof Date ? m.joinedAt.toISOString() : m.joinedAt;
  const base = { profile_id: p.id, segment, joined_at: joinedAt };
  if ('erased' in p) return { ...base, external_id: null, visitor_ids: [], email_sha256: null, phone_sha256: null };
  return {
    ...base,
    external_id: p.externalId,
    visitor_ids: [...p.visitorIds],
    email_sha256: genericEmailSha256(p.email),
    phone_sha256: genericPhoneSha256(p.phone, p.country),
  };
}

/** The raw input behind each column, to tell an invalid value from an absent one. */
function rawInputs(p: ExportProfile | ErasedProfile, destination: Destination): Record<string, string | null> {
  if ('erased' in p) return {};
  switch (destination) {
    case 'META':
      return { EMAIL: p.email, PHONE: p.phone, FN: p.firstName, LN: p.lastName, CT: p.city, ST: p.region, ZIP: p.postalCode, COUNTRY: p.country, MADID: p.madid, EXTERN_ID: p.externalId };
    case 'GOOGLE':
      return { Email: p.email, Phone: p.phone, 'First Name': p.firstName, 'Last Name': p.lastName, Country: p.country, Zip: p.postalCode };
    case 'GENERIC':
      return { email_sha256: p.email, phone_sha256: p.phone };
    default: {
      const never: never = destination;
      throw new Error(`unknown destination ${String(never)}`);
    }
  }
}

/**
 * Whether a row can be matched: META by EMAIL, PHONE, MADID or EXTERN_ID, or by FN + LN with ZIP or
 * CT; GOOGLE by Email or Phone, or by the mailing address (First Name, Last Name, Country and Zip,
 * all four); GENERIC rows always carry their profile id.
 */
function matchable(destination: Destination, c: Cells): boolean {
  switch (destination) {
    case 'META':
      return Boolean(c.EMAIL || c.PHONE || c.MADID || c.EXTERN_ID || (c.FN && c.LN && (c.ZIP || c.CT)));
    case 'GOOGLE':
      return Boolean(c.Email || c.Phone || (c['First Name'] && c['Last Name'] && c.Country && c.Zip));
    case 'GENERIC':
      return true;
    default: {
      const never: never = destination;
      throw new Error(`unknown destination ${String(never)}`);
    }
  }
}

/** The cells of one member, in `exportHeader` order, or why it is skipped. */
export function formatRow(destination: Destination, member: ExportMember, options: RowOptions): RowResult {
  const cells =
    destination === 'META'
      ? metaCells(member.profile, options.metaExternId ?? 'raw')
      : destination === 'GOOGLE'
        ? googleCells(member.profile)
        : genericCells(member, options.segment);
  const raw = rawInputs(member.profile, destination);
  const invalid = COLUMNS[destination].filter((col) => (raw[col] ?? '').trim() !== '' && cells[col] == null);
  if (!matchable(destination, cells)) return { ok: false, reason: 'no-identifier', invalid };
  const row = COLUMNS[destination].map((col) => cells[col] ?? null);
  return { ok: true, cells: options.mode === 'DELTA' ? [member.action, ...row] : row, invalid };
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV record (RFC 4180: quoted when needed, quotes doubled, CRLF end); lists joined by ';', null empty. */
export function encodeCsvRow(cells: readonly Cell[]): string {
  const fields = cells.map((cell) => {
    const text = cell === null ? '' : typeof cell === 'string' ? cell : cell.join(';');
    return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  });
  return `${fields.join(',')}\r\n`;
}

/** One JSON Lines record: an object keyed by the header, lists kept as arrays, null kept; LF end. */
export function encodeJsonlRow(header: readonly string[], cells: readonly Cell[]): string {
  const record: Record<string, Cell> = {};
  header.forEach((name, i) => {
    record[name] = cells[i] ?? null;
  });
  return `${JSON.stringify(record)}\n`;
}
