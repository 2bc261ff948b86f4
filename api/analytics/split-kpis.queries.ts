/**
 * The figures behind the KPIs of A/B splits over a period, in one statement over the memberships:
 * per split and variant the current members, the purchasers (a `purchase` event in [from, to)) and
 * the per-member revenue summarised as count, sum, sum of squares, min and max, so that means and
 * variances (ab-statistics.ts) need no member loaded. Members without purchases count as 0.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { events } from '../../drizzle/index.js';
import { PURCHASE_EVENT, purchaseRevenue } from '../events/purchases.js';
import type { Moments } from './ab-statistics.js';
import type { Period } from './kpis.service.js';
import { splitMembersFrom, type SplitDefinition } from './splits.service.js';

/** One variant's figures, in the order of the split's variants. */
export interface VariantFigures {
  name: string;
  weight: number;
  members: number;
  purchasers: number;
  /** Revenue per member over the period (n = members, sum = the variant's revenue). */
  revenue: Moments;
}

interface Row {
  split_id: string;
  idx: number;
  members: number;
  purchasers: number;
  revenue: number;
  revenue_squares: number;
  revenue_min: number;
  revenue_max: number;
}

/** The figures of each variant of each split over one period, keyed by split id. */
export async function splitFigures(db: Database, splits: readonly SplitDefinition[], period: Period): Promise<Map<string, VariantFigures[]>> {
  if (splits.length === 0) return new Map();
  const result = await db.execute(sql`
    select d.split_id, v.idx, count(*)::int as members,
      (count(*) filter (where p.n > 0))::int as purchasers,
      sum(p.revenue)::float8 as revenue,
      sum(p.revenue * p.revenue)::float8 as revenue_squares,
      min(p.revenue)::float8 as revenue_min,
      max(p.revenue)::float8 as revenue_max
    from ${splitMembersFrom(splits)}
    cross join lateral (
      select count(*) as n, coalesce(sum(${purchaseRevenue}), 0)::float8 as revenue from ${events}
      where ${events.profileId} = m.profile_id and ${events.name} = ${PURCHASE_EVENT}
        and ${events.occurredAt} >= ${period.from.toISOString()}::timestamptz and ${events.occurredAt} < ${period.to.toISOString()}::timestamptz
    ) p
    group by d.split_id, v.idx`);
  const rows = new Map((result.rows as unknown as Row[]).map((r) => [`${r.split_id}|${r.idx}`, r]));
  return new Map(
    splits.map((s) => [
      s.id,
      s.variants.map((v, i) => {
        const r = rows.get(`${s.id}|${i}`);
        const members = Number(r?.members ?? 0);
        return {
          name: v.name,
          weight: v.weight,
          members,
          purchasers: Number(r?.purchasers ?? 0),
          revenue: { n: members, sum: Number(r?.revenue ?? 0), sumSquares: Number(r?.revenue_squares ?? 0), min: Number(r?.revenue_min ?? 0), max: Number(r?.revenue_max ?? 0) },
        };
      }),
    ]),
  );
}
