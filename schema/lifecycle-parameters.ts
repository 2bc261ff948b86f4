/**
 * The thresholds of the customer-lifecycle segment templates (DOMAIN.md): every number a business
 * may tune, with DOMAIN.md's defaults, and their validation.
 */
import { describeValue, didYouMean, formatPath, isRecord, quote, type RuleProblem } from './validate-problems.js';

/**
 * Every threshold of the lifecycle templates, named. Days are whole days counted back from now.
 * @example const p: LifecycleParameters = { ...DEFAULT_LIFECYCLE_PARAMETERS, newWithinDays: 60 };
 */
export interface LifecycleParameters {
  /** prospect: no page view and no e-mail click within this many days. */
  prospectQuietDays: number;
  /** suspect: buyer-like behaviour (pricing views, add to cart) within this many days. */
  suspectWithinDays: number;
  /** suspect: at least this many pricing page views in that window. */
  suspectMinPricingViews: number;
  /** suspect: or a fit / look-alike score (traits.fitScore, 0-100) of at least this. */
  suspectMinFitScore: number;
  /** lead: a lead micro-conversion (demo request, lead magnet ...) within this many days. */
  leadWithinDays: number;
  /** new: first purchase within this many days. */
  newWithinDays: number;
  /** active: at least this many purchases (an interval needs two). */
  activeMinPurchases: number;
  /** novice: bought a product that needs onboarding within this many days. */
  noviceWithinDays: number;
  /** repeat: at least this many purchases ... */
  repeatMinPurchases: number;
  /** repeat: ... at most this many days apart on average. */
  repeatMaxIntervalDays: number;
  /** at risk: days since last purchase / average interval above this (active at or below it). */
  atRiskOverdueRatio: number;
  /** lapsed: overdue ratio at or above this. */
  lapsedOverdueRatio: number;
  /** lapsed: one-time buyers whose only purchase is at least this many days old. */
  lapsedOneTimeBuyerDays: number;
  /** unhappy: a complaint within this many days. */
  unhappyWithinDays: number;
  /** unhappy: a satisfaction score (traits.satisfactionScore, 1-5) at or below this. */
  unhappyMaxSatisfactionScore: number;
  /** unhappy: an NPS answer (traits.npsScore, 0-10) at or below this (detractors: 0-6). */
  unhappyMaxNpsScore: number;
  /** loyal: more than this many purchases. */
  loyalMoreThanPurchases: number;
  /** loyal: first purchase more than this many days ago. */
  loyalCustomerForDays: number;
  /** loyal: last purchase within this many days. */
  loyalBoughtWithinDays: number;
  /** referral: referred someone or gave a testimonial within this many days. */
  referralWithinDays: number;
  /** advocate: an NPS answer of at least this (promoters: 9-10). */
  advocateMinNpsScore: number;
  /** advocate: vocal within this many days. */
  advocateWithinDays: number;
  /** advocate: at least this many referrals in that window ... */
  advocateMinReferrals: number;
  /** advocate: ... or at least this many reviews ... */
  advocateMinReviews: number;
  /** advocate: ... rated at least this (1-5). */
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

type Bounds = { integer: boolean; min: number; max: number; what: string };
const days: Bounds = { integer: true, min: 1, max: 3650, what: 'a whole number of days from 1 to 3650' };
const count = (min: number): Bounds => ({ integer: true, min, max: 1_000_000, what: `a whole number from ${min} to 1000000` });
const ratio: Bounds = { integer: false, min: Number.MIN_VALUE, max: 100, what: 'a number above 0 and at most 100' };
const score = (min: number, max: number, integer = true): Bounds => ({ integer, min, max, what: `a ${integer ? 'whole ' : ''}number from ${min} to ${max}` });

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
    if (typeof value !== 'number' || !Number.isFinite(value) || (bounds.integer && !Number.isInteger(value)) || value < bounds.min || value > bounds.max) {
      invalid.add(key);
      errors.push({ path: formatPath([key]), code: 'invalid_parameter', message: `${key} must be ${bounds.what}, got ${typeof value === 'number' ? String(value) : describeValue(value)}` });
    } else {
      parameters[key] = value;
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
