/**
 * The segments of the DB bench: the 4-condition segment sized with countMatching, and 100 published
 * segments of mixed shapes for the full recompute: the 13 lifecycle segments plus 87 drawn with a
 * seeded PRNG (purchase attributes, declared traits of every type, event counts with and without
 * `where`, any / not, references to other segments, contact reachability).
 */
import type { RuleJson } from '../schema/rule.js';
import type { Random } from './rules-random.js';
import { COUNTRIES, INDUSTRIES, INTERESTS, PATHS, PLANS, TAGS } from './db-load.js';

/** purchases.count >= 2 AND bought in the last 90 days AND plan in [pro, enterprise] AND 2+ page views in 30 days. */
export const FOUR_CONDITION_RULE: RuleJson = {
  all: [
    { attr: 'purchases.count', op: 'gte', value: 2 },
    { attr: 'purchases.last', op: 'inLastDays', value: 90 },
    { attr: 'traits.plan', op: 'in', value: ['pro', 'enterprise'] },
    { event: 'page_view', min: 2, inLastDays: 30 },
  ],
};

type Leaf = (r: Random) => RuleJson;

const purchaseLeaves: Leaf[] = [
  (r) => ({ attr: 'purchases.count', op: 'gte', value: r.int(1, 5) }),
  (r) => ({ attr: 'purchases.count', op: 'eq', value: r.int(0, 2) }),
  (r) => ({ attr: 'purchases.total', op: 'gt', value: r.pick([50, 100, 250, 500, 1000]) }),
  (r) => ({ attr: 'purchases.last', op: 'inLastDays', value: r.pick([7, 30, 60, 90, 180]) }),
  (r) => ({ attr: 'purchases.last', op: 'notInLastDays', value: r.pick([90, 180, 365]) }),
  (r) => ({ attr: 'purchases.first', op: 'inLastDays', value: r.pick([30, 90, 365]) }),
  (r) => ({ attr: 'purchases.daysSinceLast', op: 'between', value: [r.int(0, 60), r.int(61, 400)] }),
  (r) => ({ attr: 'purchases.overdueRatio', op: 'gt', value: r.pick([1, 1.5, 2]) }),
  (r) => ({ attr: 'purchases.avgIntervalDays', op: 'lte', value: r.pick([30, 60, 120]) }),
  (r) => ({ attr: 'profile.createdAt', op: 'inLastDays', value: r.pick([30, 180, 365]) }),
];

const traitLeaves: Leaf[] = [
  (r) => ({ attr: 'traits.plan', op: 'in', value: r.sample(PLANS, r.int(1, 2)) }),
  (r) => ({ attr: 'traits.plan', op: 'eq', value: r.pick(PLANS) }),
  (r) => ({ attr: 'traits.industry', op: 'in', value: r.sample(INDUSTRIES, r.int(1, 3)) }),
  (r) => ({ attr: 'traits.industry', op: 'startsWith', value: r.pick(INDUSTRIES).slice(0, 2) }),
  (r) => ({ attr: 'traits.satisfactionScore', op: 'lte', value: r.int(1, 3) }),
  (r) => ({ attr: 'traits.npsScore', op: 'gte', value: r.int(7, 10) }),
  (r) => ({ attr: 'traits.fitScore', op: 'between', value: [r.int(0, 50), r.int(51, 100)] }),
  (r) => ({ attr: 'traits.seats', op: 'gt', value: r.pick([10, 50, 100]) }),
  (r) => ({ attr: 'traits.newsletter', op: 'eq', value: r.chance(0.7) }),
  (r) => ({ attr: 'traits.betaTester', op: 'eq', value: true }),
  (r) => ({ attr: 'traits.signupDate', op: 'inLastDays', value: r.pick([90, 365]) }),
  (r) => ({ attr: 'traits.renewalDate', op: 'lt', value: r.pick(['2026-06-01', '2027-01-01', '2027-06-30']) }),
  (r) => ({ attr: 'traits.interests', op: 'hasAny', value: r.sample(INTERESTS, r.int(1, 3)) }),
  (r) => ({ attr: 'traits.interests', op: 'hasAll', value: r.sample(INTERESTS, 2) }),
  (r) => ({ attr: 'traits.tags', op: 'hasNone', value: r.sample(TAGS, 2) }),
  (r) => ({ attr: 'traits.npsScore', op: 'exists' }),
  (r) => ({ attr: 'reachable.email', op: 'eq', value: r.chance(0.8) }),
  (r) => ({ attr: 'reachable.phone', op: 'eq', value: true }),
];

const eventLeaves: Leaf[] = [
  (r) => ({ event: 'page_view', min: r.int(1, 4), inLastDays: r.pick([7, 14, 30, 60]) }),
  (r) => ({ event: 'page_view', where: [{ attr: 'path', op: 'matches', value: r.pick(['/pricing**', '/blog/**', '/product/*']) }], inLastDays: r.pick([30, 60]) }),
  (r) => ({ event: 'page_view', where: [{ attr: 'path', op: 'eq', value: r.pick(PATHS) }], min: r.int(1, 2) }),
  (r) => ({ event: 'purchase', inLastDays: r.pick([30, 90, 180]), min: r.int(1, 3) }),
  (r) => ({ event: 'purchase', where: [{ attr: 'amount', op: 'gte', value: r.pick([50, 100, 150]) }], inLastDays: 365 }),
  (r) => ({ event: r.pick(['add_to_cart', 'email_click', 'referral', 'trial_signup', 'demo_request']), inLastDays: r.pick([30, 90, 180]) }),
  (r) => ({ event: 'review', where: [{ attr: 'rating', op: 'gte', value: 4 }] }),
  (r) => ({ event: 'complaint', min: 0, max: 0, inLastDays: 90 }),
  (r) => ({ event: 'page_view', min: 0, max: 0, inLastDays: r.pick([14, 30]) }),
];

/** A segment with no profile attribute that compiles to "missing": edge attributes in SQL. */
const edgeLeaves: Leaf[] = [
  (r) => ({ attr: 'geo.country', op: 'in', value: r.sample(COUNTRIES, 3) }),
  (r) => ({ attr: 'device.type', op: 'eq', value: 'mobile' }),
];

function leaf(r: Random): RuleJson {
  const family = r.weighted<Leaf[]>([
    [purchaseLeaves, 4],
    [traitLeaves, 4],
    [eventLeaves, 2],
    [edgeLeaves, 0.3],
  ]);
  return r.pick(family)(r);
}

export interface BenchSegment {
  slug: string;
  name: string;
  rule: RuleJson;
}

/** `count` segments (after the lifecycle ones); some reference `referable` slugs. */
export function generateSegments(r: Random, count: number, referable: readonly string[]): BenchSegment[] {
  const out: BenchSegment[] = [];
  for (let i = 0; i < count; i++) {
    const parts: RuleJson[] = [];
    const n = r.weighted([[1, 3], [2, 4], [3, 2], [4, 1]] as const);
    for (let k = 0; k < n; k++) parts.push(leaf(r));
    if (r.chance(0.2)) parts.push({ any: [leaf(r), leaf(r)] });
    if (r.chance(0.15)) parts.push({ not: leaf(r) });
    if (r.chance(0.1) && referable.length > 0) parts.push({ segment: r.pick(referable) });
    const rule: RuleJson = parts.length === 1 ? (parts[0] as RuleJson) : r.chance(0.15) ? { any: parts } : { all: parts };
    out.push({ slug: `bench-${String(i + 1).padStart(3, '0')}`, name: `Bench segment ${i + 1}`, rule });
  }
  return out;
}
