/**
 * ISO 8601 dates of the rule language: `YYYY-MM-DD` (00:00 UTC) or
 * `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` (no offset means UTC). Anything else is not a date.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an ISO 8601 date or date-time to epoch milliseconds, or `null` when it is not one
 * (wrong shape, 30 February, hour 25 ...).
 * @example parseIsoDate('2026-11-23'); // 1795392000000
 * @example parseIsoDate('2026-02-30'); // null
 */
export function parseIsoDate(text: string): number | null {
  if (text.length > 40) return null;
  const m = ISO.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  // Year 0 does not exist in PostgreSQL; the SQL evaluator must agree, so neither accepts it.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  // Truncate to milliseconds on the digits, not in floating point (0.009 * 1000 is 8.999...).
  const millis = m[7] === undefined ? 0 : Number(`${m[7]}00`.slice(0, 3));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly.
  const date = new Date(utc);
  date.setUTCFullYear(year);
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * The instant of an attribute value that should be a date: an ISO string, else `null`.
 * @example dateValue('2026-01-01T00:00:00Z'); // 1767225600000
 * @example dateValue(42); // null
 */
export function dateValue(value: unknown): number | null {
  return typeof value === 'string' ? parseIsoDate(value) : null;
}
