/**
 * ae_date_ms (the SQL evaluator's date parse) agrees with schema/dates.ts parseIsoDate on every
 * day of leap and common years, and on date-times at the edges of its fast paths and beyond.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { parseIsoDate } from '../../../schema/dates.js';
import { describeEachDatabase } from '../../helpers/db.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function inputs(): string[] {
  const out: string[] = [];
  for (const year of [0, 1, 1900, 1969, 2000, 2023, 2024, 2100, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) out.push(`${pad(year, 4)}-${pad(month)}-${pad(day)}`);
    }
  }
  const times = ['T00:00Z', 'T23:59Z', 'T24:00Z', 'T12:60Z', 'T12:00:59Z', 'T12:00:60Z', 'T12:00:00.1Z', 'T12:00:00.12Z', 'T12:00:00.999Z', 'T12:00:00.9999Z',
    'T12:00:00.123456789Z', 'T12:00', 'T12:00:00+02:00', 'T12:00:00-0530', ' 12:00:00Z', 't12:00Z', 'T12:00z', 'T1:00Z', ''];
  for (const day of ['2024-02-28', '2024-02-29', '2023-02-29', '2024-04-30', '2024-04-31', '2024-12-31', '0000-01-01', '0001-01-01', '9999-12-31']) {
    for (const time of times) out.push(`${day}${time}`);
  }
  out.push('', '2024', '2024-1-01', '2024-01-1', '+2024-01-01', '20240101', '2024-01-01T', '2024-01-01Z', ' 2024-01-01', '2024-01-01 ');
  return out;
}

describeEachDatabase('ae_date_ms', (suite) => {
  it('parses dates exactly as parseIsoDate does', async () => {
    const texts = inputs();
    const result = await suite.db.execute(sql`select t, ae_date_ms(t) as ms from jsonb_array_elements_text(${JSON.stringify(texts)}::jsonb) as j(t)`);
    const got = new Map((result.rows as Array<{ t: string; ms: number | string | null }>).map((r) => [r.t, r.ms === null ? null : Number(r.ms)]));
    const mismatches = texts.filter((t) => got.get(t) !== parseIsoDate(t)).map((t) => `${JSON.stringify(t)}: sql ${got.get(t)}, reference ${parseIsoDate(t)}`);
    expect(mismatches).toEqual([]);
  });
});
