/**
 * The computed purchase columns of profiles, recomputed from their `purchase` events (so a
 * replayed, late or moved event can never make them drift): count, total revenue, first, last
 * and the average interval in days, (last - first) / (count - 1), null below two purchases.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { textArrayLiteral } from '../db/prepared.js';
import { events, profiles } from '../../drizzle/index.js';

export const PURCHASE_EVENT = 'purchase';

/** The revenue of an event row: `properties.revenue` when it is a JSON number, else 0. */
export const purchaseRevenue = sql`case when jsonb_typeof(${events.properties} -> 'revenue') = 'number' then (${events.properties} ->> 'revenue')::float8 else 0 end`;

export async function recomputePurchases(db: Database, workspaceId: string, profileIds: readonly string[], now: Date): Promise<void> {
  const ids = [...new Set(profileIds)];
  if (ids.length === 0) return;
  await db.execute(sql`
    update ${profiles} p set
      purchase_count = coalesce(s.n, 0),
      purchase_total = coalesce(s.total, 0),
      first_purchase_at = s.first_at,
      last_purchase_at = s.last_at,
      avg_interval_days = case when s.n > 1 then extract(epoch from (s.last_at - s.first_at)) / 86400.0 / (s.n - 1) end,
      updated_at = ${now.toISOString()}::timestamptz
    from (
      select ids.id as profile_id, agg.n, agg.total, agg.first_at, agg.last_at
      from unnest(${textArrayLiteral(ids)}::uuid[]) as ids(id)
      left join lateral (
        select count(*)::int as n, sum(${purchaseRevenue}) as total, min(${events.occurredAt}) as first_at, max(${events.occurredAt}) as last_at
        from ${events}
        where ${events.profileId} = ids.id and ${events.name} = ${PURCHASE_EVENT}
      ) agg on true
    ) s
    where p.id = s.profile_id and p.workspace_id = ${workspaceId}`);
}
