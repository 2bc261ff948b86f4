/**
 * The statistics of an A/B split, pure (no database, no clock): Wilson intervals of conversion
 * rates, t intervals of revenue per member, the two-proportion z-test and Welch's t-test of a
 * variant against its control, and the members each arm would need to detect the observed
 * difference. Distribution functions come from @stdlib, never written here. Every result is finite
 * or null: GraphQL's Float cannot carry NaN or Infinity, and a test that is undefined says why.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** A two-sided confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

/** Successes (purchasers) out of trials (members). */
export interface Proportion {
  successes: number;
  n: number;
}

/** Per-member values summarised without the values: count, sum, sum of squares, min and max. */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
  min: number;
  max: number;
}

/** A variant against its control on one metric (variant minus control). */
export interface Comparison {
  difference: number | null;
  /** difference / the control's value; null when the control's value is 0. */
  relativeLift: number | null;
  interval: Interval | null;
  /** z (two-proportion test) or t (Welch). */
  statistic: number | null;
  /** Welch–Satterthwaite degrees of freedom; null for the z-test. */
  degreesOfFreedom: number | null;
  pValue: number | null;
  significant: boolean;
  /** Members per arm needed to detect the observed difference at this confidence with POWER; null for no difference. */
  membersNeeded: number | null;
  /** Why pValue (or the interval) is null, in plain language; null when the test is defined. */
  undefinedReason: string | null;
}

/** The power behind membersNeeded: the usual 80 % chance of detecting a real difference that size. */
export const POWER = 0.8;

/** Above this (GraphQL's Int) a members-needed figure says only "far more than you have": null. */
export const MAX_MEMBERS_NEEDED = 2_147_483_647;

/** The two-sided standard normal critical value, e.g. 1.959964 for 0.95. */
export function zCritical(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2, 0, 1);
}

function twoSidedNormalP(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

function twoSidedTP(t: number, dof: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), dof));
}

/** The Wilson score interval of successes / n; null without trials. */
export function wilsonInterval(successes: number, n: number, confidence: number): Interval | null {
  if (n <= 0) return null;
  const z = zCritical(confidence);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The mean of the values; null without values. */
export function meanOf(m: Moments): number | null {
  return m.n > 0 ? m.sum / m.n : null;
}

/**
 * The sample variance (n - 1 in the denominator) from the sums; exactly 0 when every value is the
 * same (min = max, so rounding in the sums cannot make up a spread); null below two values.
 */
export function sampleVariance(m: Moments): number | null {
  if (m.n < 2) return null;
  if (m.min === m.max) return 0;
  return Math.max(0, (m.sumSquares - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** The t interval of the mean (n - 1 degrees of freedom); null below two values. */
export function meanInterval(m: Moments, confidence: number): Interval | null {
  const mean = meanOf(m);
  const variance = sampleVariance(m);
  if (mean === null || variance === null) return null;
  const half = tQuantile(1 - (1 - confidence) / 2, m.n - 1) * Math.sqrt(variance / m.n);
  return { low: mean - half, high: mean + half };
}

const alphaOf = (confidence: number) => 1 - confidence;

function undefinedTest(difference: number | null, relativeLift: number | null, reason: string): Comparison {
  return { difference, relativeLift, interval: null, statistic: null, degreesOfFreedom: null, pValue: null, significant: false, membersNeeded: null, undefinedReason: reason };
}

/** Members per arm to detect `difference` with two-sided `confidence` and POWER, given the two variances. */
function membersNeeded(difference: number, varianceSum: number, confidence: number): number | null {
  if (difference === 0 || varianceSum <= 0) return null;
  const z = zCritical(confidence) + normalQuantile(POWER, 0, 1);
  const n = Math.ceil((z * z * varianceSum) / (difference * difference));
  return Number.isFinite(n) && n <= MAX_MEMBERS_NEEDED ? n : null;
}

/**
 * The two-proportion z-test of variant against control: pooled standard error for the test,
 * unpooled for the interval of the difference in rates.
 */
export function twoProportionZTest(control: Proportion, variant: Proportion, confidence: number): Comparison {
  if (control.n === 0 || variant.n === 0) return undefinedTest(null, null, `${control.n === 0 ? 'the control' : 'the variant'} has no members`);
  const p1 = control.successes / control.n;
  const p2 = variant.successes / variant.n;
  const difference = p2 - p1;
  const relativeLift = p1 > 0 ? difference / p1 : null;
  const pooled = (control.successes + variant.successes) / (control.n + variant.n);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / variant.n));
  if (!(pooledSe > 0)) return undefinedTest(difference, relativeLift, pooled === 0 ? 'nobody converted in either' : 'everybody converted in both');
  const z = difference / pooledSe;
  const pValue = twoSidedNormalP(z);
  const varianceSum = p1 * (1 - p1) + p2 * (1 - p2);
  const se = Math.sqrt((p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / variant.n);
  const half = zCritical(confidence) * se;
  return {
    difference,
    relativeLift,
    interval: se > 0 ? { low: difference - half, high: difference + half } : null,
    statistic: z,
    degreesOfFreedom: null,
    pValue,
    significant: pValue < alphaOf(confidence),
    membersNeeded: membersNeeded(difference, varianceSum, confidence),
    undefinedReason: se > 0 ? null : 'each converted all or none of its members, so the difference has no interval',
  };
}

/**
 * Welch's t-test of the variant's mean against the control's (unequal variances), with the
 * Welch–Satterthwaite degrees of freedom for both the p-value and the interval.
 */
export function welchTTest(control: Moments, variant: Moments, confidence: number): Comparison {
  const m1 = meanOf(control);
  const m2 = meanOf(variant);
  if (m1 === null || m2 === null) return undefinedTest(null, null, `${m1 === null ? 'the control' : 'the variant'} has no members`);
  const difference = m2 - m1;
  const relativeLift = m1 !== 0 ? difference / m1 : null;
  const v1 = sampleVariance(control);
  const v2 = sampleVariance(variant);
  if (v1 === null || v2 === null) return undefinedTest(difference, relativeLift, `${v1 === null ? 'the control' : 'the variant'} has fewer than 2 members`);
  const a = v1 / control.n;
  const b = v2 / variant.n;
  const se = Math.sqrt(a + b);
  if (!(se > 0)) return undefinedTest(difference, relativeLift, 'every member of both has the same revenue, so there is no spread to test against');
  const dof = ((a + b) * (a + b)) / ((a * a) / (control.n - 1) + (b * b) / (variant.n - 1));
  const t = difference / se;
  const pValue = twoSidedTP(t, dof);
  const half = tQuantile(1 - alphaOf(confidence) / 2, dof) * se;
  return {
    difference,
    relativeLift,
    interval: { low: difference - half, high: difference + half },
    statistic: t,
    degreesOfFreedom: dof,
    pValue,
    significant: pValue < alphaOf(confidence),
    membersNeeded: membersNeeded(difference, v1 + v2, confidence),
    undefinedReason: null,
  };
}
