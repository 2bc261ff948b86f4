/**
 * The models' sufficient statistics of a workspace, computed in SQL from its `purchase` events up
 * to the calibration end (a UTC date, inclusive). As the papers do, several purchases of one
 * profile on one UTC day are one purchase occasion (its value the day's revenue). Per profile:
 * x = occasions after the first, t_x = days from the first occasion to the last, T = days from
 * the first occasion to the calibration end, m = mean value of the repeat occasions. Times leave
 * SQL in whole days; the models use weeks (days / 7), as the papers do.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { events } from '../../drizzle/index.js';
import { PURCHASE_EVENT, purchaseRevenue } from '../events/purchases.js';

/** Days per model time unit: the models are fitted in weeks. */
export const DAYS_PER_UNIT = 7;

/** One row per profile with a purchase on or before the calibration end: profile_id, x, tx_days, t_days, m (null when x = 0). */
export function profileStatistics(workspaceId: string, calibrationEnd: string): SQL {
  return sql`
    select profile_id, (count(*) - 1)::int as x,
      (max(day) - min(day))::int as tx_days,
      (${calibrationEnd}::date - min(day))::int as t_days,
      (sum(value) filter (where day > first_day)) / nullif(count(*) - 1, 0) as m
    from (
      select ${events.profileId} as profile_id, (${events.occurredAt} at time zone 'UTC')::date as day, sum(${purchaseRevenue}) as value,
        min((${events.occurredAt} at time zone 'UTC')::date) over (partition by ${events.profileId}) as first_day
      from ${events}
      where ${events.workspaceId} = ${workspaceId} and ${events.name} = ${PURCHASE_EVENT}
        and ${events.occurredAt} < ((${calibrationEnd}::date + 1)::timestamp at time zone 'UTC')
        and ${events.profileId} is not null
      group by 1, 2
    ) occasions
    group by profile_id`;
}

export interface GroupedHistory {
  x: number;
  txDays: number;
  tDays: number;
  count: number;
}

/** The distinct (x, t_x, T) with how many profiles share each: what the BG/NBD fit needs. */
export async function groupedHistories(db: Database, workspaceId: string, calibrationEnd: string): Promise<GroupedHistory[]> {
  const { rows } = await db.execute<{ x: number; tx_days: number; t_days: number; n: number }>(sql`
    select x, tx_days, t_days, count(*)::int as n from (${profileStatistics(workspaceId, calibrationEnd)}) s group by 1, 2, 3`);
  return rows.map((r) => ({ x: Number(r.x), txDays: Number(r.tx_days), tDays: Number(r.t_days), count: Number(r.n) }));
}

/** (x, m) of profiles with a repeat occasion of positive mean value, grouped: what the Gamma-Gamma fit needs. */
export async function spendHistories(db: Database, workspaceId: string, calibrationEnd: string): Promise<Array<{ x: number; m: number; count: number }>> {
  const { rows } = await db.execute<{ x: number; m: number; n: number }>(sql`
    select x, m, count(*)::int as n from (${profileStatistics(workspaceId, calibrationEnd)}) s where x > 0 and m > 0 group by 1, 2`);
  return rows.map((r) => ({ x: Number(r.x), m: Number(r.m), count: Number(r.n) }));
}
