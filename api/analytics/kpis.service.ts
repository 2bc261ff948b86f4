/**
 * KPIs per segment over a period (DOMAIN.md, measuring segments): conversion rate and revenue per
 * member of the segment's current members, from their `purchase` events in [from, to).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError } from '../errors.js';
import { events, segmentMembers } from '../../drizzle/index.js';
import { PURCHASE_EVENT, purchaseRevenue } from '../events/purchases.js';
import { KPI_MAX_RANGE_DAYS } from './thresholds.js';

export interface Kpis {
  from: Date;
  to: Date;
  members: number;
  purchasers: number;
  revenue: number;
  conversionRate: number | null;
  revenuePerMember: number | null;
}

export interface Period {
  from: Date;
  to: Date;
}

/** Checks a period: both instants valid, from < to, at most KPI_MAX_RANGE_DAYS long. */
export function checkPeriod(from: Date, to: Date): Period {
  const problems: Array<{ path: string; message: string }> = [];
  if (Number.isNaN(from.getTime())) problems.push({ path: 'from', message: 'not a valid date-time' });
  if (Number.isNaN(to.getTime())) problems.push({ path: 'to', message: 'not a valid date-time' });
  else if (problems.length === 0 && from.getTime() >= to.getTime()) problems.push({ path: 'to', message: 'must be after from' });
  else if (problems.length === 0 && to.getTime() - from.getTime() > KPI_MAX_RANGE_DAYS * 86_400_000) {
    problems.push({ path: 'to', message: `the period may be at most ${KPI_MAX_RANGE_DAYS} days long` });
  }
  if (problems.length > 0) throw new BadInputError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), { problems });
  return { from, to };
}

/** The KPIs of several segments over one period, in one query. */
export async function segmentKpis(db: Database, segmentIds: readonly string[], period: Period): Promise<Map<string, Kpis>> {
  const ids = sql.join(segmentIds.map((id) => sql`${id}::uuid`), sql`, `);
  const result = await db.execute(sql`
    select m.segment_id, count(*)::int as members,
      (count(*) filter (where p.n > 0))::int as purchasers,
      coalesce(sum(p.revenue), 0)::float8 as revenue
    from ${segmentMembers} m
    left join lateral (
      select count(*) as n, sum(${purchaseRevenue}) as revenue from ${events}
      where ${events.profileId} = m.profile_id and ${events.name} = ${PURCHASE_EVENT}
        and ${events.occurredAt} >= ${period.from.toISOString()}::timestamptz and ${events.occurredAt} < ${period.to.toISOString()}::timestamptz
    ) p on true
    where m.segment_id in (${ids})
    group by m.segment_id`);
  const rows = new Map((result.rows as Array<{ segment_id: string; members: number; purchasers: number; revenue: number }>).map((r) => [r.segment_id, r]));
  return new Map(
    segmentIds.map((id) => {
      const r = rows.get(id);
      const members = Number(r?.members ?? 0);
      const purchasers = Number(r?.purchasers ?? 0);
      const revenue = Number(r?.revenue ?? 0);
      return [id, { ...period, members, purchasers, revenue, conversionRate: members ? purchasers / members : null, revenuePerMember: members ? revenue / members : null }];
    }),
  );
}
