/**
 * SegmentSplit.kpis over GraphQL on PGlite and PostgreSQL: per-variant members, purchasers,
 * rates, revenue and intervals, and each variant against the control, checked against figures
 * computed here from the events sent (Wilson by its formula, p-values by integrating the normal and
 * t densities numerically, not with the API's code or its library); refusals, zero-member variants
 * and a period in which nobody bought.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { assignVariant } from '../../../schema/split.js';
import { seedProfiles, staticList } from './fixtures.js';

const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';
const VARIANTS = [{ name: 'A', weight: 1 }, { name: 'B', weight: 1 }, { name: 'dormant', weight: 1e-9 }];
const Z95 = 1.959963984540054;
const METRIC = 'test control variant difference relativeLift interval { low high } statistic degreesOfFreedom pValue significant membersNeeded undefinedReason explanation';
const KPIS = `query($id: ID!, $from: DateTime!, $to: DateTime!, $control: String, $confidence: Float) { segment(id: $id) { splits { name kpis(from: $from, to: $to, control: $control, confidence: $confidence) {
  from to confidence control
  variants { name weight members purchasers revenue conversionRate conversionRateInterval { low high } revenuePerMember revenuePerMemberInterval { low high } }
  comparisons { variant control explanation conversionRate { ${METRIC} } revenuePerMember { ${METRIC} } } } } } }`;
const DEFINE = `mutation($s: ID!, $v: [SplitVariantInput!]!) { defineSplit(segmentId: $s, name: "checkout", variants: $v) { id } }`;

/** Simpson's rule over [a, b] with n (even) steps. */
function simpson(f: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}
/** Two-sided normal p-value: 2 * the integral of the standard normal density beyond |z|. */
const normalP = (z: number) => (2 * simpson((x) => Math.exp((-x * x) / 2), Math.abs(z), Math.abs(z) + 40)) / Math.sqrt(2 * Math.PI);
/** Two-sided t p-value: with x = sqrt(df) tan(u), the density is cos(u)^(df - 1) over [0, pi/2). */
const tP = (t: number, df: number) => {
  const f = (u: number) => Math.cos(u) ** (df - 1);
  return simpson(f, Math.atan(Math.abs(t) / Math.sqrt(df)), Math.PI / 2) / simpson(f, 0, Math.PI / 2);
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);
const wilson = (x: number, n: number, z = Z95) => {
  const p = x / n;
  const centre = (x + (z * z) / 2) / (n + z * z);
  const half = ((z * Math.sqrt(n)) / (n + z * z)) * Math.sqrt(p * (1 - p) + (z * z) / (4 * n));
  return { low: centre - half, high: centre + half };
};

describeEachDatabase('SegmentSplit.kpis', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segmentId: string;
  let emptyId: string;
  /** Per variant, the revenue of each member in the period (0 for non-purchasers), and who bought. */
  const revenue = new Map<string, number[]>([['A', []], ['B', []], ['dormant', []]]);
  const bought = new Map<string, number>([['A', 0], ['B', 0], ['dormant', 0]]);
  const gql = (variables: Record<string, unknown>, key?: string) => api.gql(KPIS, { id: segmentId, from: FROM, to: TO, ...variables }, key ?? ws.keys.viewer);

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db);
    const ids = await seedProfiles(suite.db, ws.workspaceId, 'ab', 401);
    const members = ids.slice(0, 400);
    const outsider = ids[400]!;
    segmentId = await staticList(suite.db, ws.workspaceId, 'ab-test', members);
    emptyId = await staticList(suite.db, ws.workspaceId, 'ab-empty', []);
    const events: Array<Record<string, unknown>> = [];
    const event = (profileId: string, timestamp: string, properties: Record<string, unknown>, name = 'purchase') =>
      events.push({ eventId: `ev-${events.length}`, profileId, name, timestamp, properties });
    const seen = new Map<string, number>();
    for (const id of members) {
      const variant = assignVariant('checkout', id, VARIANTS).name;
      const k = seen.get(variant) ?? 0;
      seen.set(variant, k + 1);
      // A: every 5th member buys (20 %); B: 3 in 10 (30 %), spending a little more.
      const buys = variant === 'A' ? k % 5 === 0 : k % 10 < 3;
      let spent = 0;
      if (buys) {
        const amount = variant === 'A' ? 10 + (k % 3) * 5 : 12 + (k % 4) * 3;
        event(id, '2026-03-10T12:00:00Z', { revenue: amount });
        spent += amount;
        if (k % 4 === 0) {
          // A second purchase: revenue per member is the member's sum, not one value per event.
          event(id, '2026-03-20T12:00:00Z', { revenue: 7.5 });
          spent += 7.5;
        }
        if (k % 7 === 0) event(id, '2026-03-21T12:00:00Z', {}); // a purchase without revenue counts 0
        bought.set(variant, bought.get(variant)! + 1);
      } else if (k % 6 === 1) {
        event(id, '2026-02-27T12:00:00Z', { revenue: 500 }); // before the period
        event(id, TO, { revenue: 500 }); // the end is outside
        event(id, '2026-03-15T12:00:00Z', { revenue: 500 }, 'refund_requested'); // not a purchase
      }
      revenue.get(variant)!.push(spent);
    }
    event(outsider, '2026-03-10T12:00:00Z', { revenue: 1000 }); // not a member
    api = await startTestApi(suite.db);
    for (let i = 0; i < events.length; i += 500) dataOf(await api.gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', { e: events.slice(i, i + 500) }, ws.keys.ingest));
    for (const s of [segmentId, emptyId]) dataOf(await api.gql(DEFINE, { s, v: VARIANTS }, ws.keys.editor));
  });
  afterAll(async () => api?.close());

  it('gives each variant its members, purchasers, revenue, rates and intervals', async () => {
    const [split] = dataOf(await gql({})).segment.splits;
    const kpis = split.kpis;
    expect(kpis).toMatchObject({ from: FROM, to: TO, confidence: 0.95, control: 'A' });
    expect(kpis.variants.map((v: { name: string }) => v.name)).toEqual(['A', 'B', 'dormant']);
    expect(revenue.get('A')!.length + revenue.get('B')!.length).toBe(400);
    for (const v of kpis.variants.slice(0, 2)) {
      const values = revenue.get(v.name)!;
      const n = values.length;
      const x = bought.get(v.name)!;
      expect(v).toMatchObject({ members: n, purchasers: x, weight: 1 });
      expect(v.revenue).toBeCloseTo(values.reduce((s, r) => s + r, 0), 9);
      expect(v.conversionRate).toBeCloseTo(x / n, 12);
      expect(v.conversionRateInterval.low).toBeCloseTo(wilson(x, n).low, 9);
      expect(v.conversionRateInterval.high).toBeCloseTo(wilson(x, n).high, 9);
      expect(v.revenuePerMember).toBeCloseTo(mean(values), 9);
      // The t interval is centred on the mean, and its half-width in standard errors is the
      // critical value: the two-sided tail beyond it (n - 1 degrees of freedom) is 5 %.
      const { low, high } = v.revenuePerMemberInterval;
      expect((low + high) / 2).toBeCloseTo(mean(values), 9);
      expect(tP((high - low) / 2 / Math.sqrt(variance(values) / n), n - 1)).toBeCloseTo(0.05, 6);
    }
    expect(kpis.variants[2]).toEqual({
      name: 'dormant', weight: 1e-9, members: 0, purchasers: 0, revenue: 0,
      conversionRate: null, conversionRateInterval: null, revenuePerMember: null, revenuePerMemberInterval: null,
    });
  });

  it('tests B against A: two-proportion z-test and Welch t-test, with intervals and a verdict', async () => {
    const [b] = dataOf(await gql({})).segment.splits[0].kpis.comparisons;
    expect(b).toMatchObject({ variant: 'B', control: 'A' });
    const [ra, rb] = [revenue.get('A')!, revenue.get('B')!];
    const [n1, n2, x1, x2] = [ra.length, rb.length, bought.get('A')!, bought.get('B')!];
    const [p1, p2] = [x1 / n1, x2 / n2];
    const pooled = (x1 + x2) / (n1 + n2);
    const z = (p2 - p1) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
    const conversion = b.conversionRate;
    expect(conversion).toMatchObject({ test: 'TWO_PROPORTION_Z', degreesOfFreedom: null, undefinedReason: null });
    expect(conversion.control).toBeCloseTo(p1, 12);
    expect(conversion.variant).toBeCloseTo(p2, 12);
    expect(conversion.difference).toBeCloseTo(p2 - p1, 12);
    expect(conversion.relativeLift).toBeCloseTo((p2 - p1) / p1, 12);
    expect(conversion.statistic).toBeCloseTo(z, 9);
    expect(conversion.pValue).toBeCloseTo(normalP(z), 7);
    expect(conversion.interval.low).toBeCloseTo(p2 - p1 - Z95 * se, 9);
    expect(conversion.interval.high).toBeCloseTo(p2 - p1 + Z95 * se, 9);
    expect(conversion.significant).toBe(normalP(z) < 0.05);

    const [v1, v2] = [variance(ra) / n1, variance(rb) / n2];
    const welchSe = Math.sqrt(v1 + v2);
    const t = (mean(rb) - mean(ra)) / welchSe;
    const df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1));
    const money = b.revenuePerMember;
    expect(money).toMatchObject({ test: 'WELCH_T', undefinedReason: null });
    expect(money.difference).toBeCloseTo(mean(rb) - mean(ra), 9);
    expect(money.statistic).toBeCloseTo(t, 7);
    expect(money.degreesOfFreedom).toBeCloseTo(df, 6);
    expect(money.pValue).toBeCloseTo(tP(t, df), 7);
    expect(money.significant).toBe(tP(t, df) < 0.05);
    expect((money.interval.low + money.interval.high) / 2).toBeCloseTo(mean(rb) - mean(ra), 9);
    expect(tP((money.interval.high - money.interval.low) / 2 / welchSe, df)).toBeCloseTo(0.05, 6);

    const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
    expect(conversion.explanation).toContain(`B converts ${pct(p2)} vs ${pct(p1)} for A (+${((p2 - p1) * 100).toFixed(1)} points, 95% CI `);
    expect(money.explanation).toContain(`B earns ${mean(rb).toFixed(2)} per member vs ${mean(ra).toFixed(2)} for A`);
    expect(b.explanation).toBe(`${conversion.explanation} ${money.explanation}`);
    for (const text of [conversion.explanation, money.explanation]) expect(text).toMatch(/: (significant|not significant) at 95%/);
  });

  it('takes another control and confidence: B as control negates the differences; 99 % widens the intervals', async () => {
    const base = dataOf(await gql({})).segment.splits[0].kpis;
    const flipped = dataOf(await gql({ control: 'B', confidence: 0.99 })).segment.splits[0].kpis;
    expect(flipped).toMatchObject({ control: 'B', confidence: 0.99 });
    expect(flipped.comparisons.map((c: { variant: string }) => c.variant)).toEqual(['A', 'dormant']);
    const [a] = flipped.comparisons;
    const [b] = base.comparisons;
    expect(a.conversionRate.difference).toBeCloseTo(-b.conversionRate.difference, 12);
    expect(a.conversionRate.pValue).toBeCloseTo(b.conversionRate.pValue, 12);
    expect(a.revenuePerMember.pValue).toBeCloseTo(b.revenuePerMember.pValue, 12);
    expect(a.conversionRate.significant).toBe(b.conversionRate.pValue < 0.01);
    expect(a.conversionRate.interval.high - a.conversionRate.interval.low).toBeGreaterThan(b.conversionRate.interval.high - b.conversionRate.interval.low);
    const n = revenue.get('A')!.length;
    const x = bought.get('A')!;
    expect(flipped.variants[0].conversionRateInterval.low).toBeCloseTo(wilson(x, n, 2.5758293035489).low, 9);
    // p is about 0.016 on these data: significant at 95 %, not at 99 %, with the members a 99 % test would need.
    expect(b.conversionRate.pValue).toBeGreaterThan(0.01);
    expect(b.conversionRate.pValue).toBeLessThan(0.05);
    const [p1, p2] = [x / n, bought.get('B')! / revenue.get('B')!.length];
    const needed = Math.ceil(((2.5758293035489 + 0.8416212335729143) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2))) / (p2 - p1) ** 2);
    expect(a.conversionRate.membersNeeded).toBe(needed);
    expect(a.conversionRate.explanation).toContain(`: not significant at 99% (it may be noise); about ${needed.toLocaleString('en-US')} members per variant would be needed to detect a difference this size.`);
  });

  it('answers null with a reason, never NaN, for a variant without members and for a period without purchases', async () => {
    const kpis = dataOf(await gql({})).segment.splits[0].kpis;
    const dormant = kpis.comparisons[1];
    expect(dormant.variant).toBe('dormant');
    for (const metric of [dormant.conversionRate, dormant.revenuePerMember]) {
      expect(metric).toMatchObject({ variant: null, difference: null, interval: null, statistic: null, pValue: null, significant: false, membersNeeded: null, undefinedReason: 'the variant has no members' });
    }
    expect(dormant.conversionRate.explanation).toBe('dormant cannot be compared with A: the variant has no members.');
    expect(dormant.explanation).toBe(dormant.conversionRate.explanation);

    const quiet = dataOf(await gql({ from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' })).segment.splits[0].kpis;
    const [b] = quiet.comparisons;
    expect(b.conversionRate).toMatchObject({ difference: 0, relativeLift: null, pValue: null, significant: false, undefinedReason: 'nobody converted in either' });
    expect(b.revenuePerMember).toMatchObject({ difference: 0, pValue: null, interval: null, significant: false });
    expect(b.revenuePerMember.undefinedReason).toMatch(/same revenue/);
    expect(quiet.variants[0]).toMatchObject({ purchasers: 0, revenue: 0, conversionRate: 0, revenuePerMember: 0, revenuePerMemberInterval: { low: 0, high: 0 } });

    const empty = dataOf(await api.gql(KPIS, { id: emptyId, from: FROM, to: TO }, ws.keys.viewer)).segment.splits[0].kpis;
    expect(empty.variants.every((v: { members: number; conversionRate: unknown }) => v.members === 0 && v.conversionRate === null)).toBe(true);
    expect(empty.comparisons[0].conversionRate).toMatchObject({ pValue: null, undefinedReason: 'the control has no members' });
  });

  it('answers the splits of several segments in one request', async () => {
    const query = `query($a: ID!, $b: ID!) {
      a: segment(id: $a) { splits { kpis(from: "${FROM}", to: "${TO}") { variants { members purchasers } } } }
      b: segment(id: $b) { splits { kpis(from: "${FROM}", to: "${TO}") { variants { members } } } } }`;
    const data = dataOf(await api.gql(query, { a: segmentId, b: emptyId }, ws.keys.viewer));
    expect(data.a.splits[0].kpis.variants.map((v: { purchasers: number }) => v.purchasers)).toEqual([bought.get('A'), bought.get('B'), 0]);
    expect(data.b.splits[0].kpis.variants).toEqual([{ members: 0 }, { members: 0 }, { members: 0 }]);
  });

  it('refuses an unknown control, a bad confidence and a bad period, naming the argument', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ control: 'C' }, 'control'],
      [{ control: 'a' }, 'control'],
      [{ confidence: 0.5 }, 'confidence'],
      [{ confidence: 1 }, 'confidence'],
      [{ confidence: 95 }, 'confidence'],
      [{ from: TO, to: FROM }, 'to'],
      [{ from: '2024-01-01T00:00:00Z', to: '2025-06-01T00:00:00Z' }, 'to'],
    ];
    for (const [variables, path] of cases) {
      const result = await gql(variables);
      expect({ variables, code: codeOf(result) }).toEqual({ variables, code: 'BAD_USER_INPUT' });
      expect(result.errors?.[0]?.extensions?.problems).toEqual([expect.objectContaining({ path })]);
      expect(result.errors?.[0]?.message).toMatch(new RegExp(`^${path}: `));
    }
    expect(codeOf(await gql({ from: 'last week' }))).toBe('BAD_USER_INPUT');
    expect(dataOf(await gql({ confidence: 0.8 })).segment.splits[0].kpis.confidence).toBe(0.8);
    expect(dataOf(await gql({ confidence: 0.999, control: 'dormant' })).segment.splits[0].kpis.control).toBe('dormant');
  });

  it('may be read by admin, editor and viewer keys, not by ingest or edge keys', async () => {
    for (const role of ['admin', 'editor', 'viewer'] as const) expect(dataOf(await gql({}, ws.keys[role])).segment.splits[0].kpis.control).toBe('A');
    for (const role of ['ingest', 'edge'] as const) expect(codeOf(await gql({}, ws.keys[role]))).toBe('FORBIDDEN');
    expect(codeOf(await gql({}, 'ae_not-a-key'))).toBe('UNAUTHENTICATED');
  });
});
