/**
 * The thresholds of the customer-lifecycle segment templates (DOMAIN.md): every number a business
 * may tune, with DOMAIN.md's defaults, and their validation.
 */
import { describeValue, didYouMean, formatPath, isRecord, quote, type RuleProblem } from './validate-problems.js';

/**
 * Every threshold of the lifecycle templates, named (their meanings: LIFECYCLE_PARAMETER_INFO).
 * Days are whole days counted back from now.
 * @example const p: LifecycleParameters = { ...DEFAULT_LIFECYCLE_PARAMETERS, newWithinDays: 60 };
 */
export interface LifecycleParameters {
  prospectQuietDays: number;
  suspectWithinDays: number;
  suspectMinPricingViews: number;
  suspectMinFitScore: number;
  leadWithinDays: number;
  newWithinDays: number;
  activeMinPurchases: number;
  noviceWithinDays: number;
  repeatMinPurchases: number;
  repeatMaxIntervalDays: number;
  atRiskOverdueRatio: number;
  lapsedOverdueRatio: number;
  lapsedOneTimeBuyerDays: number;
  unhappyWithinDays: number;
  unhappyMaxSatisfactionScore: number;
  unhappyMaxNpsScore: number;
  loyalMoreThanPurchases: number;
  loyalCustomerForDays: number;
  loyalBoughtWithinDays: number;
  referralWithinDays: number;
  advocateMinNpsScore: number;
  advocateWithinDays: number;
  advocateMinReferrals: number;
  advocateMinReviews: number;
  advocateMinReviewRating: number;
}

/**
 * DOMAIN.md's defaults.
 * @example DEFAULT_LIFECYCLE_PARAMETERS.lapsedOverdueRatio; // 2
 */
export const DEFAULT_LIFECYCLE_PARAMETERS: Readonly<LifecycleParameters> = {
  prospectQuietDays: 30,
  suspectWithinDays: 30,
  suspectMinPricingViews: 3,
  suspectMinFitScore: 70,
  leadWithinDays: 90,
  newWithinDays: 30,
  activeMinPurchases: 2,
  noviceWithinDays: 60,
  repeatMinPurchases: 2,
  repeatMaxIntervalDays: 90,
  atRiskOverdueRatio: 1,
  lapsedOverdueRatio: 2,
  lapsedOneTimeBuyerDays: 180,
  unhappyWithinDays: 90,
  unhappyMaxSatisfactionScore: 2,
  unhappyMaxNpsScore: 6,
  loyalMoreThanPurchases: 3,
  loyalCustomerForDays: 180,
  loyalBoughtWithinDays: 90,
  referralWithinDays: 365,
  advocateMinNpsScore: 9,
  advocateWithinDays: 365,
  advocateMinReferrals: 2,
  advocateMinReviews: 2,
  advocateMinReviewRating: 5,
};

type Unit = 'days' | 'count' | 'ratio' | 'score';
/** Allowed values: `min` to `max` inclusive (above `min` when `minExclusive`), whole numbers when `integer`. */
type Bounds = { unit: Unit; integer: boolean; min: number; minExclusive: boolean; max: number; what: string };
const days: Bounds = { unit: 'days', integer: true, min: 1, minExclusive: false, max: 3650, what: 'a whole number of days from 1 to 3650' };
const count = (min: number): Bounds => ({ unit: 'count', integer: true, min, minExclusive: false, max: 1_000_000, what: `a whole number from ${min} to 1000000` });
const ratio: Bounds = { unit: 'ratio', integer: false, min: 0, minExclusive: true, max: 100, what: 'a number above 0 and at most 100' };
const score = (min: number, max: number, integer = true): Bounds => ({ unit: 'score', integer, min, minExclusive: false, max, what: `a ${integer ? 'whole ' : ''}number from ${min} to ${max}` });

const BOUNDS: Readonly<Record<keyof LifecycleParameters, Bounds>> = {
  prospectQuietDays: days,
  suspectWithinDays: days,
  suspectMinPricingViews: count(1),
  suspectMinFitScore: score(0, 100, false),
  leadWithinDays: days,
  newWithinDays: days,
  activeMinPurchases: count(1),
  noviceWithinDays: days,
  repeatMinPurchases: count(2),
  repeatMaxIntervalDays: days,
  atRiskOverdueRatio: ratio,
  lapsedOverdueRatio: ratio,
  lapsedOneTimeBuyerDays: days,
  unhappyWithinDays: days,
  unhappyMaxSatisfactionScore: score(1, 5),
  unhappyMaxNpsScore: score(0, 10),
  loyalMoreThanPurchases: count(0),
  loyalCustomerForDays: days,
  loyalBoughtWithinDays: days,
  referralWithinDays: days,
  advocateMinNpsScore: score(0, 10),
  advocateWithinDays: days,
  advocateMinReferrals: count(1),
  advocateMinReviews: count(1),
  advocateMinReviewRating: score(1, 5),
};

const KEYS = Object.keys(BOUNDS) as Array<keyof LifecycleParameters>;

/** What each threshold means: which template reads it, and how. */
const MEANINGS: Readonly<Record<keyof LifecycleParameters, string>> = {
  prospectQuietDays: 'Prospects: days without any page view or e-mail click (not engaged).',
  suspectWithinDays: 'Suspects: days in which buyer-like behaviour (pricing page views, an add-to-cart) counts.',
  suspectMinPricingViews: 'Suspects: pricing page views in that window that make a prospect look like a buyer.',
  suspectMinFitScore: 'Suspects: a fit / look-alike score (traits.fitScore, 0-100) at least this also makes one.',
  leadWithinDays: 'Leads: days in which a lead micro-conversion (demo request, lead magnet download, contact form, trial, quote request) counts.',
  newWithinDays: 'New customers: first purchase within this many days (30 to 60 depending on the sales cycle).',
  activeMinPurchases: 'Active customers: at least this many purchases (an interval between purchases needs two).',
  noviceWithinDays: 'Novices: bought a product that needs onboarding within this many days, without completing onboarding since.',
  repeatMinPurchases: 'Repeat customers: at least this many purchases.',
  repeatMaxIntervalDays: 'Repeat customers: at most this many days between purchases on average.',
  atRiskOverdueRatio: 'At risk: days since the last purchase divided by the average interval is above this (active and repeat customers are at or below it).',
  lapsedOverdueRatio: 'Lapsed: that overdue ratio at or above this (twice the usual interval by default); must be above the at-risk ratio.',
  lapsedOneTimeBuyerDays: 'Lapsed: one-time buyers (no interval yet) whose only purchase is at least this many days old.',
  unhappyWithinDays: 'Unhappy: a complaint within this many days (referrers and advocates must have none).',
  unhappyMaxSatisfactionScore: 'Unhappy: a satisfaction answer (traits.satisfactionScore, 1-5) at or below this.',
  unhappyMaxNpsScore: 'Unhappy: an NPS answer (traits.npsScore, 0-10) at or below this (detractors are 0-6).',
  loyalMoreThanPurchases: 'Loyal: more than this many purchases.',
  loyalCustomerForDays: 'Loyal: first purchase more than this many days ago (customer for 6 months by default).',
  loyalBoughtWithinDays: 'Loyal: last purchase within this many days (tied to the sales cycle).',
  referralWithinDays: 'Referrers: referred someone or gave a testimonial within this many days.',
  advocateMinNpsScore: 'Advocates: an NPS answer at least this (promoters are 9-10); must be above the unhappy NPS threshold.',
  advocateWithinDays: 'Advocates: days in which referrals, reviews and testimonials count.',
  advocateMinReferrals: 'Advocates: at least this many referrals in that window, or ...',
  advocateMinReviews: 'Advocates: ... at least this many reviews in that window rated at least advocateMinReviewRating, or a testimonial.',
  advocateMinReviewRating: 'Advocates: the lowest review rating (1-5) that counts.',
};

/**
 * One threshold as the catalogue lists it: name, meaning, default, and the values it may take.
 * @example LIFECYCLE_PARAMETER_INFO.find((p) => p.name === 'newWithinDays')?.default; // 30
 */
export interface LifecycleParameterInfo {
  name: keyof LifecycleParameters;
  description: string;
  default: number;
  unit: Unit;
  integer: boolean;
  min: number;
  /** true: the value must be above `min` (ratios), not equal to it. */
  minExclusive: boolean;
  max: number;
  /** The allowed values in words, as a refusal names them. */
  allowed: string;
}

/**
 * Every threshold with its meaning, default and bounds, in a stable order.
 * @example LIFECYCLE_PARAMETER_INFO.length; // 25
 */
export const LIFECYCLE_PARAMETER_INFO: readonly LifecycleParameterInfo[] = KEYS.map((name) => {
  const { unit, integer, min, minExclusive, max, what } = BOUNDS[name];
  return { name, description: MEANINGS[name], default: DEFAULT_LIFECYCLE_PARAMETERS[name], unit, integer, min, minExclusive, max, allowed: what };
});

/**
 * Merges `overrides` into the defaults and checks every value (type, integer, bounds, unknown
 * names, and that at-risk < lapsed and unhappy < advocate NPS thresholds). Never throws.
 * @example resolveLifecycleParameters({ newWithinDays: 0 }); // { ok: false, errors: [{ path: '$.newWithinDays', code: 'invalid_parameter', ... }] }
 */
export function resolveLifecycleParameters(
  overrides: unknown,
): { ok: true; parameters: LifecycleParameters } | { ok: false; errors: RuleProblem[] } {
  const errors: RuleProblem[] = [];
  const invalid = new Set<string>();
  const parameters: LifecycleParameters = { ...DEFAULT_LIFECYCLE_PARAMETERS };
  if (overrides !== undefined && !isRecord(overrides)) {
    return { ok: false, errors: [{ path: '$', code: 'invalid_parameters', message: 'Lifecycle parameters must be an object of named thresholds' }] };
  }
  for (const key of Object.keys(overrides ?? {})) {
    if (!(KEYS as string[]).includes(key)) {
      errors.push({ path: formatPath([key]), code: 'unknown_parameter', message: `Unknown lifecycle parameter ${quote(key)}${didYouMean(key, KEYS)}` });
    }
  }
  for (const key of KEYS) {
    const value = overrides === undefined || !Object.hasOwn(overrides, key) ? undefined : overrides[key];
    if (value === undefined) continue;
    const bounds = BOUNDS[key];
    const inBounds =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!bounds.integer || Number.isInteger(value)) &&
      (bounds.minExclusive ? value > bounds.min : value >= bounds.min) &&
      value <= bounds.max;
    if (!inBounds) {
      invalid.add(key);
      errors.push({ path: formatPath([key]), code: 'invalid_parameter', message: `${key} must be ${bounds.what}, got ${typeof value === 'number' ? String(value) : describeValue(value)}` });
    } else {
      parameters[key] = value as number;
    }
  }
  const valid = (...keys: string[]) => keys.every((k) => !invalid.has(k));
  if (valid('atRiskOverdueRatio', 'lapsedOverdueRatio') && parameters.atRiskOverdueRatio >= parameters.lapsedOverdueRatio) {
    errors.push({ path: '$.lapsedOverdueRatio', code: 'invalid_parameter', message: 'lapsedOverdueRatio must be greater than atRiskOverdueRatio (lapsed is further past due than at risk)' });
  }
  if (valid('unhappyMaxNpsScore', 'advocateMinNpsScore') && parameters.unhappyMaxNpsScore >= parameters.advocateMinNpsScore) {
    errors.push({ path: '$.advocateMinNpsScore', code: 'invalid_parameter', message: 'advocateMinNpsScore must be greater than unhappyMaxNpsScore (no one can be both)' });
  }
  return errors.length === 0 ? { ok: true, parameters } : { ok: false, errors };
}
