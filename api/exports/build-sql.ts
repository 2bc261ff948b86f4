/**
 * The SQL that turns members into export rows: per destination, one expression per column over
 * segment_members `m`, profiles `p` and profile_export_identifiers `i`, and from them the cells
 * (a JSON array exactly as JSON.stringify writes it) and the encoded line (formats.ts's CSV or
 * JSONL encoding, reproduced in SQL), so a build never ships a row through JavaScript.
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

function columns(destination: Destination, segmentSlug: string): Column[] {
  switch (destination) {
    case 'META':
      return [
        { value: sql`i.email_sha256`, plain: true },
        { value: sql`i.meta_phone`, plain: true },
        { value: sql`i.meta_fn`, plain: true },
        { value: sql`i.meta_ln`, plain: true },
        { value: sql`i.meta_ct`, plain: true },
        { value: sql`i.meta_st`, plain: true },
        { value: sql`i.meta_zip`, plain: true },
        { value: sql`i.meta_country`, plain: true },
        { value: sql`i.madid`, plain: true },
        // Meta takes EXTERN_ID unhashed.
        { value: sql`case when btrim(p.external_id) = '' then null else p.external_id end` },
      ];
    case 'GOOGLE':
      return [
        { value: sql`i.google_email`, plain: true },
        { value: sql`i.phone_e164_sha256`, plain: true },
        { value: sql`i.google_fn`, plain: true },
        { value: sql`i.google_ln`, plain: true },
        { value: sql`i.google_country`, plain: true },
        { value: sql`i.google_zip` },
      ];
    case 'GENERIC':
      return [
        { value: sql`m.profile_id::text`, plain: true },
        { value: sql`p.external_id` },
        { value: sql`vis.visitor_ids`, list: true },
        { value: sql`i.email_sha256`, plain: true },
        { value: sql`i.phone_e164_sha256`, plain: true },
        { value: sql`${segmentSlug}::text` },
        { value: sql`to_char(m.joined_at at time zone 'UTC', ${sql.raw(ISO_MS)})`, plain: true },
      ];
    default: {
      const never: never = destination;
      throw new Error(`unknown destination ${String(never)}`);
    }
  }
}

/** GENERIC's visitor ids, joined laterally as `vis` (evaluated once per row however often used). */
export const VISITORS_JOIN = sql`cross join lateral (select array(select v.visitor_id from profile_visitors v where v.profile_id = m.profile_id order by v.visitor_id) as visitor_ids) vis`;

const jsonOf = (c: Column): SQL =>
  c.list ? sql`to_json(${c.value})::text` : c.plain ? sql`coalesce('"' || ${c.value} || '"', 'null')` : sql`coalesce(to_json(${c.value})::text, 'null')`;

/** RFC 4180 field: quoted when it holds '"', ',', CR or LF, quotes doubled; null is empty. `text` must be cheap (it is repeated). */
export const csvField = (text: SQL): SQL =>
  sql`case when ${text} is null then '' when ${text} ~ E'[",\\r\\n]' then '"' || replace(${text}, '"', '""') || '"' else ${text} end`;

const csvOf = (c: Column): SQL => (c.plain ? sql`coalesce(${c.value}, '')` : csvField(c.list ? sql`array_to_string(${c.value}, ';')` : c.value));

const join = (parts: SQL[], separator: string): SQL => sql.join(parts, sql.raw(` || '${separator}' || `));

/** The cells as JSON.stringify writes them, without the action. */
function cellsJson(cols: Column[]): SQL {
  return sql`'[' || ${join(cols.map(jsonOf), ',')} || ']'`;
}

/** The encoded line of the file, the DELTA action first. */
function lineOf(job: Pick<AudienceExportRow, 'format' | 'mode'>, header: readonly string[], cols: Column[], action: 'add' | 'remove'): SQL {
  if (job.format === 'CSV') {
    const fields = cols.map(csvOf);
    return sql`${job.mode === 'DELTA' ? sql.raw(`'${action},' || `) : sql``}${join(fields, ',')} || E'\\r\\n'`;
  }
  const pairs = cols.map((c, k) => sql`${sql.raw(`'${JSON.stringify(header[k]).replaceAll("'", "''")}:' || `)}${jsonOf(c)}`);
  const head = job.mode === 'DELTA' ? `'{"action":"${action}",' || ` : `'{' || `;
  return sql`${sql.raw(head)}${join(pairs, ',')} || E'}\\n'`;
}

export interface MemberSql {
  cells: SQL;
  line: SQL;
  /** Whether the destination can match the row (else it is skipped as 'no-identifier'). */
  ok: SQL;
  /** The columns whose input was given but unusable, as text[]. */
  invalid: SQL;
}

/** Cells, line, matchability and invalid columns of a member, over `m`, `p` and `i`. */
export function memberSql(job: Pick<AudienceExportRow, 'destination' | 'format' | 'mode'>, segmentSlug: string): MemberSql {
  const cols = columns(job.destination, segmentSlug);
  const header = COLUMNS[job.destination];
  const ok = job.destination === 'META' ? sql`i.meta_ok` : job.destination === 'GOOGLE' ? sql`i.google_ok` : sql`true`;
  const invalid = job.destination === 'META' ? sql`i.meta_invalid` : job.destination === 'GOOGLE' ? sql`i.google_invalid` : sql`i.generic_invalid`;
  return { cells: cellsJson(cols), line: lineOf(job, header, cols, 'add'), ok, invalid };
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
