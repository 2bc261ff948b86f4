/**
 * The A/B statistics against published figures (no database): Wilson intervals (Newcombe 1998 and
 * a table computed with z = 1.96), the two-proportion z-test of 200/1000 vs 250/1000, Welch's
 * t-test on R's `sleep` data (t.test(extra ~ group)) and ClickHouse's welchTTest example, the t
 * interval of a mean, and the undefined cases (null with a reason, never NaN or Infinity).
 */
import { describe, expect, it } from 'vitest';
import { meanInterval, sampleVariance, twoProportionZTest, welchTTest, wilsonInterval, zCritical, type Moments } from '../../../api/analytics/ab-statistics.js';

const momentsOf = (values: number[]): Moments => ({
  n: values.length,
  sum: values.reduce((s, v) => s + v, 0),
  sumSquares: values.reduce((s, v) => s + v * v, 0),
  min: Math.min(...values),
  max: Math.max(...values),
});

// R's datasets::sleep, extra hours of sleep for drug 1 and drug 2 (Student 1908).
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

const allFinite = (value: unknown): boolean =>
  typeof value === 'number' ? Number.isFinite(value) : value && typeof value === 'object' ? Object.values(value).every(allFinite) : true;

describe('Wilson score interval', () => {
  it('matches Newcombe (1998), Statistics in Medicine 17:857, table I, method 3', () => {
    // 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
    const cases: Array<[number, number, number, number]> = [[81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611], [1, 29, 0.0061, 0.1718]];
    for (const [x, n, low, high] of cases) {
      const interval = wilsonInterval(x, n, 0.95)!;
      expect(interval.low).toBeCloseTo(low, 4);
      expect(interval.high).toBeCloseTo(high, 4);
    }
  });

  it('matches a table computed with z = 1.96 (within the rounding of 1.96 against 1.959964)', () => {
    const cases: Array<[number, number, number, number]> = [
      [1, 11, 0.016231752262825982, 0.3773646254862038],
      [10, 100, 0.05522854161313612, 0.1743673043676654],
      [25, 100, 0.17545094003724265, 0.3430464637007583],
      [0, 100, 0, 0.03699480747600191],
      [100, 100, 0.9630051925239981, 1],
    ];
    for (const [x, n, low, high] of cases) {
      const interval = wilsonInterval(x, n, 0.95)!;
      expect(Math.abs(interval.low - low)).toBeLessThan(5e-5);
      expect(Math.abs(interval.high - high)).toBeLessThan(5e-5);
    }
  });

  it('widens with the confidence and is null without trials', () => {
    const i90 = wilsonInterval(50, 200, 0.9)!;
    const i99 = wilsonInterval(50, 200, 0.99)!;
    expect(i99.low).toBeLessThan(i90.low);
    expect(i99.high).toBeGreaterThan(i90.high);
    expect(wilsonInterval(0, 0, 0.95)).toBeNull();
    expect(zCritical(0.95)).toBeCloseTo(1.959964, 6);
    expect(zCritical(0.99)).toBeCloseTo(2.575829, 6);
  });
});

describe('two-proportion z-test', () => {
  it('200/1000 vs 250/1000: z = 2.677, p = 0.0074, 95% CI of the difference +1.35 to +8.65 points', () => {
    // Computed by hand: pooled 0.225, SE sqrt(0.225 * 0.775 * 2 / 1000) = 0.0186748, z = 0.05 / SE;
    // unpooled SE sqrt(0.16 / 1000 + 0.1875 / 1000) = 0.0186414, half-width 1.959964 * SE = 0.0365361.
    const test = twoProportionZTest({ successes: 200, n: 1000 }, { successes: 250, n: 1000 }, 0.95);
    expect(test.difference).toBeCloseTo(0.05, 12);
    expect(test.relativeLift).toBeCloseTo(0.25, 12);
    expect(test.statistic).toBeCloseTo(2.67740, 4);
    expect(test.pValue).toBeCloseTo(0.007419, 5);
    expect(test.interval!.low).toBeCloseTo(0.0134639, 6);
    expect(test.interval!.high).toBeCloseTo(0.0865361, 6);
    expect(test.significant).toBe(true);
    // Not at 99.9 %: the p-value is above 0.001.
    expect(twoProportionZTest({ successes: 200, n: 1000 }, { successes: 250, n: 1000 }, 0.999).significant).toBe(false);
    // (1.959964 + 0.841621)^2 * (0.16 + 0.1875) / 0.05^2 = 1090.99 -> 1091 per arm.
    expect(test.membersNeeded).toBe(1091);
  });

  it('is symmetric: swapping the arms negates z and the interval, the p-value stays', () => {
    const ab = twoProportionZTest({ successes: 30, n: 400 }, { successes: 45, n: 380 }, 0.95);
    const ba = twoProportionZTest({ successes: 45, n: 380 }, { successes: 30, n: 400 }, 0.95);
    expect(ba.statistic).toBeCloseTo(-ab.statistic!, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue!, 12);
    expect(ba.interval!.low).toBeCloseTo(-ab.interval!.high, 12);
  });

  it('answers null with a reason when a test is undefined, never NaN or Infinity', () => {
    const empty = twoProportionZTest({ successes: 0, n: 0 }, { successes: 3, n: 10 }, 0.95);
    expect(empty).toMatchObject({ difference: null, pValue: null, interval: null, significant: false, undefinedReason: 'the control has no members' });
    const none = twoProportionZTest({ successes: 0, n: 50 }, { successes: 0, n: 40 }, 0.95);
    expect(none).toMatchObject({ difference: 0, relativeLift: null, pValue: null, statistic: null, undefinedReason: 'nobody converted in either' });
    const all = twoProportionZTest({ successes: 5, n: 5 }, { successes: 7, n: 7 }, 0.95);
    expect(all).toMatchObject({ difference: 0, relativeLift: 0, pValue: null, undefinedReason: 'everybody converted in both' });
    for (const result of [empty, none, all]) expect(allFinite(result)).toBe(true);
  });
});

describe("Welch's t-test", () => {
  it("matches R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p = 0.07939, CI -3.3654832 to 0.2054832", () => {
    // R reports group 1 minus group 2; here the variant (group 2) minus the control (group 1).
    const test = welchTTest(momentsOf(SLEEP_1), momentsOf(SLEEP_2), 0.95);
    expect(test.difference).toBeCloseTo(1.58, 12);
    expect(test.statistic).toBeCloseTo(1.8608, 4);
    expect(test.degreesOfFreedom).toBeCloseTo(17.776, 3);
    expect(test.pValue).toBeCloseTo(0.07939, 5);
    expect(test.interval!.low).toBeCloseTo(-0.2054832, 6);
    expect(test.interval!.high).toBeCloseTo(3.3654832, 6);
    expect(test.significant).toBe(false);
    expect(welchTTest(momentsOf(SLEEP_1), momentsOf(SLEEP_2), 0.9).significant).toBe(true);
  });

  it("matches ClickHouse's welchTTest example: t = 2.7988719532211235, p = 0.051807360348581945", () => {
    const test = welchTTest(momentsOf([18.9, 20.3, 19]), momentsOf([20.3, 22.1, 21.9]), 0.95);
    expect(test.statistic).toBeCloseTo(2.7988719532211235, 9);
    expect(test.pValue).toBeCloseTo(0.051807360348581945, 9);
  });

  it('answers null with a reason for no members, one member, or no spread on either side', () => {
    expect(welchTTest(momentsOf([1, 2]), { n: 0, sum: 0, sumSquares: 0, min: 0, max: 0 }, 0.95)).toMatchObject({ difference: null, pValue: null, undefinedReason: 'the variant has no members' });
    expect(welchTTest(momentsOf([5]), momentsOf([1, 2, 3]), 0.95)).toMatchObject({ difference: -3, pValue: null, undefinedReason: 'the control has fewer than 2 members' });
    // 19.99 three times: the sums alone would round to a tiny spread; min = max says there is none.
    const flat = welchTTest(momentsOf([19.99, 19.99, 19.99]), momentsOf([0, 0]), 0.95);
    expect(flat).toMatchObject({ pValue: null, interval: null, statistic: null, significant: false });
    expect(flat.undefinedReason).toMatch(/same revenue/);
    expect(flat.difference).toBeCloseTo(-19.99, 12);
    // One side without spread is still a test (its degrees of freedom are the other side's n - 1).
    const oneFlat = welchTTest(momentsOf([0, 0, 0, 0]), momentsOf([1, 2, 3, 4, 5]), 0.95);
    expect(oneFlat.degreesOfFreedom).toBeCloseTo(4, 12);
    expect(oneFlat.pValue).not.toBeNull();
    expect(allFinite(flat) && allFinite(oneFlat)).toBe(true);
  });
});

describe('t interval of a mean', () => {
  it('matches R: t.test(sleep$extra[1:10]): mean 0.75, 95% CI -0.5297804 to 2.0297804', () => {
    const interval = meanInterval(momentsOf(SLEEP_1), 0.95)!;
    expect(interval.low).toBeCloseTo(-0.5297804, 6);
    expect(interval.high).toBeCloseTo(2.0297804, 6);
    expect(sampleVariance(momentsOf(SLEEP_1))).toBeCloseTo(3.200556, 5);
  });

  it('is null below two values and a point without spread', () => {
    expect(meanInterval(momentsOf([3]), 0.95)).toBeNull();
    expect(meanInterval({ n: 0, sum: 0, sumSquares: 0, min: 0, max: 0 }, 0.95)).toBeNull();
    expect(meanInterval(momentsOf([19.99, 19.99, 19.99]), 0.95)).toEqual({ low: 19.99, high: 19.99 });
  });
});
