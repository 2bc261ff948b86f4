/**
 * The SQL that turns members into export rows: per destination, one expression per column over the
 * chunk's source rows `s` (build.ts: a member's profile id, joined_at, external id and the
 * identifier columns it needs, materialised once per chunk), and from them the cells (a JSON array
 * exactly as JSON.stringify writes it) and the encoded line (formats.ts's CSV or JSONL encoding,
 * reproduced in SQL), so a build never ships a row through JavaScript.
 *
 * Cheap forms, measured (bench/README.md, Export): runs of scalar columns become one text[] encoded
 * by one call - `array_to_json` for the cells (JSON.stringify's escapes and separators), and
 * `array_to_string(..., ',', '')` for a CSV line (null as the empty field) - rather than a
 * concatenation per column.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AudienceExportRow } from '../../drizzle/index.js';
import { COLUMNS, type Destination } from './formats.js';

/** A column's value: text, or (GENERIC visitor_ids) a text[] list; `plain` when it can never need quoting or escaping (hex, ids, codes). */
interface Column {
  value: SQL;
  list?: true;
  plain?: true;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The identifier columns (profile_export_identifiers) each destination's cells read, besides the member's own. */
export const IDENTIFIER_COLUMNS: Record<Destination, readonly string[]> = {
  META: ['email_sha256', 'meta_phone', 'meta_fn', 'meta_ln', 'meta_ct', 'meta_st', 'meta_zip', 'meta_country', 'madid'],
  GOOGLE: ['google_email', 'phone_e164_sha256', 'google_fn', 'google_ln', 'google_country', 'google_zip'],
  GENERIC: ['email_sha256', 'phone_e164_sha256'],
};

/** Whether a member can be matched by the destination, and its invalid inputs, as columns of profile_export_identifiers. */
export const MATCH_COLUMNS: Record<Destination, { ok: string; invalid: string }> = {
  META: { ok: 'meta_ok', invalid: 'meta_invalid' },
  GOOGLE: { ok: 'google_ok', invalid: 'google_invalid' },
  GENERIC: { ok: 'true', invalid: 'generic_invalid' },
};

function columns(destination: Destination, segmentSlug: string): Column[] {
  const hashes = (names: readonly string[]): Column[] => names.map((name) => ({ value: sql.raw(`s.${name}`), plain: true }));
  switch (destination) {
    case 'META':
      // Meta takes EXTERN_ID unhashed.
      return [...hashes(IDENTIFIER_COLUMNS.META), { value: sql`case when btrim(s.external_id) = '' then null else s.external_id end` }];
    case 'GOOGLE':
      return [...hashes(IDENTIFIER_COLUMNS.GOOGLE.slice(0, 5)), { value: sql`s.google_zip` }];
    case 'GENERIC':
      return [
        { value: sql`s.profile_id::text`, plain: true },
        { value: sql`s.external_id` },
        { value: sql`vis.visitor_ids`, list: true },
        ...hashes(IDENTIFIER_COLUMNS.GENERIC),
        { value: sql`${segmentSlug}::text` },
        { value: sql`to_char(s.joined_at at time zone 'UTC', ${sql.raw(ISO_MS)})`, plain: true },
      ];
    default: {
      const never: never = destination;
      throw new Error(`unknown destination ${String(never)}`);
    }
  }
}

/** GENERIC's visitor ids, joined laterally as `vis` (evaluated once per row however often used). */
export const VISITORS_JOIN = sql`cross join lateral (select array(select v.visitor_id from profile_visitors v where v.profile_id = s.profile_id order by v.visitor_id) as visitor_ids) vis`;

const jsonOf = (c: Column): SQL =>
  c.list ? sql`to_json(${c.value})::text` : c.plain ? sql`coalesce('"' || ${c.value} || '"', 'null')` : sql`coalesce(to_json(${c.value})::text, 'null')`;

/** RFC 4180 field: quoted when it holds '"', ',', CR or LF, quotes doubled; null is empty. `text` must be cheap (it is repeated). */
export const csvField = (text: SQL): SQL =>
  sql`case when ${text} is null then '' when ${text} ~ E'[",\\r\\n]' then '"' || replace(${text}, '"', '""') || '"' else ${text} end`;

/** A CSV field, null left null (array_to_string writes it as the empty field). */
const csvOf = (c: Column): SQL => (c.plain ? c.value : csvField(c.list ? sql`array_to_string(${c.value}, ';')` : c.value));

const join = (parts: SQL[], separator: string): SQL => sql.join(parts, sql.raw(` || '${separator}' || `));

/** The cells as JSON.stringify writes them, without the action: runs of scalar columns as one array_to_json each. */
function cellsJson(cols: Column[]): SQL {
  if (!cols.some((c) => c.list)) return sql`array_to_json(array[${sql.join(cols.map((c) => c.value), sql`, `)}]::text[])::text`;
  // Runs of scalars between the lists: their JSON array without its brackets (it starts with '"' or 'n' and ends with '"' or 'l').
  const parts: SQL[] = [];
  let run: Column[] = [];
  const flush = () => {
    if (run.length > 0) parts.push(sql`btrim(array_to_json(array[${sql.join(run.map((c) => c.value), sql`, `)}]::text[])::text, '[]')`);
    run = [];
  };
  for (const c of cols) {
    if (c.list) {
      flush();
      parts.push(jsonOf(c));
    } else run.push(c);
  }
  flush();
  return sql`'[' || ${join(parts, ',')} || ']'`;
}

/** The encoded line of the file, the DELTA action first. */
function lineOf(job: Pick<AudienceExportRow, 'format' | 'mode'>, header: readonly string[], cols: Column[], action: 'add' | 'remove'): SQL {
  if (job.format === 'CSV') {
    const fields = sql`array_to_string(array[${sql.join(cols.map(csvOf), sql`, `)}]::text[], ',', '')`;
    return sql`${job.mode === 'DELTA' ? sql.raw(`'${action},' || `) : sql``}${fields} || E'\\r\\n'`;
  }
  const pairs = cols.map((c, k) => sql`${sql.raw(`'${JSON.stringify(header[k]).replaceAll("'", "''")}:' || `)}${jsonOf(c)}`);
  const head = job.mode === 'DELTA' ? `'{"action":"${action}",' || ` : `'{' || `;
  return sql`${sql.raw(head)}${join(pairs, ',')} || E'}\\n'`;
}

export interface MemberSql {
  cells: SQL;
  line: SQL;
}

/** Cells and line of a member, over the source row `s` (and `vis` for GENERIC). */
export function memberSql(job: Pick<AudienceExportRow, 'destination' | 'format' | 'mode'>, segmentSlug: string): MemberSql {
  const cols = columns(job.destination, segmentSlug);
  return { cells: cellsJson(cols), line: lineOf(job, COLUMNS[job.destination], cols, 'add') };
}

/**
 * The line of a removal, from the cells an earlier export kept (`cells`, JSON text): each element
 * encoded as formats.ts does (a list joined by ';' in CSV; JSON kept as written in JSONL).
 */
export function removalLineSql(job: Pick<AudienceExportRow, 'destination' | 'format'>, cells: SQL): SQL {
  if (job.format === 'CSV') {
    const text = sql`case json_typeof(c.e) when 'null' then null when 'array' then (select string_agg(x, ';' order by k) from json_array_elements_text(c.e) with ordinality a(x, k)) else c.e #>> '{}' end`;
    return sql`'remove,' || (select string_agg(${csvField(text)}, ',' order by c.n) from json_array_elements(${cells}::json) with ordinality c(e, n)) || E'\\r\\n'`;
  }
  const header = COLUMNS[job.destination].map((name) => JSON.stringify(name) + ':');
  return sql`'{"action":"remove",' || (select string_agg((${sql.param(header)}::text[])[c.n] || c.e::text, ',' order by c.n) from json_array_elements(${cells}::json) with ordinality c(e, n)) || E'}\\n'`;
}
