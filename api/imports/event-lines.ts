/**
 * Import lines to tracked events, checked with trackEvents' rules and messages (checkEvents); paths
 * relative to the line (`timestamp`, `properties.revenue`).
 *
 * NDJSON: one JSON object per line with trackEvents' fields (eventId, externalId or profileId, name,
 * properties, timestamp). CSV: a header row with `eventId`, `externalId` or `profileId`, `name`,
 * `timestamp`, and optionally `properties` (a JSON object) and `properties.<key>` columns: text,
 * or typed with a suffix, `properties.revenue:number`, `properties.gift:boolean`. An empty cell is
 * not sent.
 */
import { checkEvents, type CheckedEvent, type TrackEventData } from '../events/event-input.js';
import type { Problem } from '../profiles/profile-input.js';
import { parseJsonObject, readCsvHeader, recordFromCsv, type Column, type Parsed } from './profile-lines.js';

const EVENT_KEYS = new Set(['eventId', 'externalId', 'profileId', 'name', 'properties', 'timestamp']);
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const BOOLEAN: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

/** Checks one event input with trackEvents' rules. */
export function checkEvent(input: Record<string, unknown>, now: Date): Parsed<CheckedEvent> {
  const problems: Problem[] = Object.keys(input)
    .filter((k) => !EVENT_KEYS.has(k))
    .map((k) => ({ path: k, message: `is not an event field (fields: ${[...EVENT_KEYS].join(', ')})` }));
  const { events, problems: found } = checkEvents([input as unknown as TrackEventData], now, '');
  problems.push(...found.map((p) => ({ path: p.path.replace(/^\[0\]\./, ''), message: p.message })));
  return problems.length > 0 || events.length === 0 ? { ok: false, problems } : { ok: true, value: events[0]! };
}

export { parseJsonObject };


export interface CsvEventHeader {
  columns: Column[];
}

export function eventCsvHeader(names: readonly string[]): Parsed<CsvEventHeader> {
  const { columns, problems, seen } = readCsvHeader(names, (name, at, columns, problems) => {
    if (name === 'properties') {
      columns.push((row, cell) => {
        const parsed = parseJsonObject(cell);
        if (!parsed.ok) return `properties: ${parsed.problems[0]!.message}`;
        row.properties = { ...parsed.value, ...((row.properties as object) ?? {}) };
        return null;
      });
    } else if (EVENT_KEYS.has(name)) {
      columns.push((row, cell) => ((row[name] = cell), null));
    } else if (name.startsWith('properties.') && name.length > 11) {
      const [key, type = 'text'] = name.slice(11).split(':') as [string, string?];
      if (type !== 'text' && type !== 'number' && type !== 'boolean') {
        problems.push({ path: at, message: `'${name.slice(0, 80)}': the type suffix must be :number or :boolean` });
        return;
      }
      columns.push((row, cell) => {
        let value: unknown = cell;
        if (type === 'number') {
          if (!NUMBER.test(cell)) return `properties.${key}: must be a number`;
          value = Number(cell);
        } else if (type === 'boolean') {
          value = BOOLEAN[cell.trim().toLowerCase()];
          if (value === undefined) return `properties.${key}: must be true or false`;
        }
        ((row.properties ??= {}) as Record<string, unknown>)[key] = value;
        return null;
      });
    } else {
      problems.push({ path: at, message: `'${name.slice(0, 80)}' is not an event column (eventId, externalId, profileId, name, timestamp, properties, properties.<key>[:number|:boolean])` });
    }
  });
  for (const required of ['eventId', 'name', 'timestamp']) if (!seen.has(required)) problems.push({ path: 'header', message: `needs a '${required}' column` });
  if (!seen.has('externalId') && !seen.has('profileId')) problems.push({ path: 'header', message: "needs an 'externalId' or a 'profileId' column" });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { columns } };
}

export function eventFromCsv(header: CsvEventHeader, fields: readonly string[]): Parsed<Record<string, unknown>> {
  return recordFromCsv(header.columns, fields);
}
