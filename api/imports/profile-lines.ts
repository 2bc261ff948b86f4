/**
 * Import lines to profile inputs (the ProfileData of upsertProfiles), checked with the same rules
 * and messages (profileProblems) and the input policy; paths are relative to the line
 * (`traits.plan`, `email`).
 *
 * NDJSON: one JSON object per line with upsertProfiles' fields (an unknown field is a problem).
 * CSV: a header row names the columns: `externalId` (required), the text fields (`email`, `phone`,
 * `firstName`, `lastName`, `city`, `region`, `postalCode`, `country`, `madid`), `traits.<name>` for a
 * declared trait (the cell read by the trait's type: a number, `true`/`false`, a date as text, a
 * string list separated by `|`), `consent.email`, `consent.sms`, `consent.ads` (`true`/`false`,
 * `yes`/`no`, `1`/`0`) and `visitorIds` (separated by `|`). An empty cell is not sent (the stored
 * value stays); to clear a field or remove a trait, send null in NDJSON.
 */
import { collectInputProblems } from '../input-policy.js';
import type { TraitType } from '../traits/traits.service.js';
import { profileProblems, TEXT_FIELDS, type ProfileData, type Problem } from '../profiles/profile-input.js';

/** A failure may carry what was read despite it (a CSV row with a bad cell), so every problem of the line is reported at once. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[]; partial?: Record<string, unknown> };

const PROFILE_KEYS = new Set<string>(['externalId', ...TEXT_FIELDS, 'traits', 'consent', 'visitorIds']);
const CONSENT_KEYS = ['email', 'sms', 'ads'] as const;

/** A parsed JSON line, or the problem that it is not one JSON object. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `is not valid JSON (${(error as Error).message.slice(0, 120)})` }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problems: [{ path: '', message: 'must be a JSON object' }] };
  const policy = collectInputProblems(value, '', []);
  if (policy.length > 0) return { ok: false, problems: policy };
  return { ok: true, value: value as Record<string, unknown> };
}

const strip = (problems: Problem[]): Problem[] => problems.map((p) => ({ path: p.path.replace(/^\./, ''), message: p.message }));

/** Checks one profile input (after parsing) with upsertProfiles' rules. */
export function checkProfile(input: Record<string, unknown>, declared: ReadonlyMap<string, TraitType>): Parsed<ProfileData> {
  const problems: Problem[] = Object.keys(input)
    .filter((k) => !PROFILE_KEYS.has(k))
    .map((k) => ({ path: k, message: `is not a profile field (fields: ${[...PROFILE_KEYS].join(', ')})` }));
  const consent = input.consent;
  if (consent !== undefined && consent !== null) {
    if (typeof consent !== 'object' || Array.isArray(consent)) problems.push({ path: 'consent', message: 'must be an object such as {"email": true}' });
    else {
      for (const [k, v] of Object.entries(consent)) {
        if (!(CONSENT_KEYS as readonly string[]).includes(k)) problems.push({ path: `consent.${k}`, message: 'is not a consent (email, sms, ads)' });
        else if (v !== null && typeof v !== 'boolean') problems.push({ path: `consent.${k}`, message: 'must be true or false' });
      }
    }
  }
  if (input.visitorIds !== undefined && input.visitorIds !== null && !Array.isArray(input.visitorIds)) problems.push({ path: 'visitorIds', message: 'must be a list of visitor ids' });
  else problems.push(...strip(profileProblems(input as unknown as ProfileData, declared, '')));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: input as unknown as ProfileData };
}

export type Column = (row: Record<string, unknown>, cell: string) => string | null;

const BOOLEAN: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

function traitCell(type: TraitType, cell: string): unknown {
  switch (type) {
    case 'number':
      return /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(cell) ? Number(cell) : cell;
    case 'boolean':
      return BOOLEAN[cell.trim().toLowerCase()] ?? cell;
    case 'stringList':
      return cell.split('|').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return cell;
  }
}

export interface CsvProfileHeader {
  columns: Column[];
}

/** The columns of a profile CSV header, or the problems of its column names (each `header.<column>`). */
export function profileCsvHeader(names: readonly string[], declared: ReadonlyMap<string, TraitType>): Parsed<CsvProfileHeader> {
  const { columns, problems, seen } = readCsvHeader(names, (name, at, columns, problems) => {
    if (name === 'externalId' || (TEXT_FIELDS as readonly string[]).includes(name)) {
      columns.push((row, cell) => ((row[name] = cell), null));
    } else if (name.startsWith('traits.')) {
      const trait = name.slice('traits.'.length);
      const type = declared.get(trait);
      if (!type) problems.push({ path: at, message: `'${trait.slice(0, 80)}' is not a declared trait: declare it with defineTrait first` });
      else columns.push((row, cell) => (((row.traits ??= {}) as Record<string, unknown>)[trait] = traitCell(type, cell), null));
    } else if (name.startsWith('consent.') && (CONSENT_KEYS as readonly string[]).includes(name.slice(8))) {
      const key = name.slice(8);
      columns.push((row, cell) => {
        const value = BOOLEAN[cell.trim().toLowerCase()];
        if (value === undefined) return `${name}: must be true or false (or yes/no, 1/0)`;
        ((row.consent ??= {}) as Record<string, unknown>)[key] = value;
        return null;
      });
    } else if (name === 'visitorIds') {
      columns.push((row, cell) => ((row.visitorIds = cell.split('|').map((s) => s.trim()).filter((s) => s !== '')), null));
    } else {
      problems.push({ path: at, message: `'${name.slice(0, 80)}' is not a profile column (externalId, ${TEXT_FIELDS.join(', ')}, traits.<name>, consent.email|sms|ads, visitorIds)` });
    }
  });
  if (!seen.has('externalId')) problems.push({ path: 'header', message: "needs an 'externalId' column" });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { columns } };
}

/**
 * The shared walk over a CSV header's names (trimmed; a name twice is a problem at `header[<n>]`):
 * `column` adds the name's column, or a problem, for each.
 */
export function readCsvHeader(
  names: readonly string[],
  column: (name: string, at: string, columns: Column[], problems: Problem[]) => void,
): { columns: Column[]; problems: Problem[]; seen: Set<string> } {
  const problems: Problem[] = [];
  const columns: Column[] = [];
  const seen = new Set<string>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    const at = `header[${i + 1}]`;
    if (seen.has(name)) problems.push({ path: at, message: `column '${name.slice(0, 80)}' appears twice` });
    seen.add(name);
    column(name, at, columns, problems);
  });
  return { columns, problems, seen };
}

/** One CSV record to a profile input object (unchecked), or the problems of its cells. */
export function profileFromCsv(header: CsvProfileHeader, fields: readonly string[]): Parsed<Record<string, unknown>> {
  return recordFromCsv(header.columns, fields);
}

/**
 * One CSV record through its header's columns (profiles and events alike): an input object, or the
 * problems of its cells (and of the input policy). An empty cell leaves its field unset.
 */
export function recordFromCsv(columns: readonly Column[], fields: readonly string[]): Parsed<Record<string, unknown>> {
  if (fields.length !== columns.length) {
    return { ok: false, problems: [{ path: '', message: `has ${fields.length} fields, the header has ${columns.length}` }] };
  }
  const row: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (let i = 0; i < fields.length; i++) {
    const cell = fields[i]!;
    if (cell === '') continue;
    const problem = columns[i]!(row, cell);
    if (problem) {
      const cut = problem.indexOf(': ');
      problems.push({ path: problem.slice(0, cut), message: problem.slice(cut + 2) });
    }
  }
  const policy = collectInputProblems(row, '', []);
  problems.push(...policy);
  return problems.length > 0 ? { ok: false, problems, partial: policy.length === 0 ? row : undefined } : { ok: true, value: row };
}
