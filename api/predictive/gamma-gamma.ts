/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie's note "The Gamma-Gamma
 * Model of Monetary Value", 2013), and the CLV built on it with the BG/NBD. Pure.
 *
 * Transaction values of a customer are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers; it is
 * fitted on customers with x >= 1 repeat transactions and their mean repeat value m.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { maximiseLogLikelihood } from './optimise.js';
import { conditionalExpectedPurchases, type BgNbdParameters } from './bgnbd.js';

export interface GammaGammaParameters {
  p: number;
  q: number;
  gamma: number;
}

/** x repeat transactions with mean value m, shared by `count` customers. */
export interface SpendHistory {
  x: number;
  m: number;
  count: number;
}

/**
 * ln f(m | p, q, γ, x), the density of a customer's mean of x transaction values:
 * Γ(px+q)/(Γ(px)Γ(q)) · γ^q m^(px-1) x^(px) / (γ + m x)^(px+q).
 * @example gammaGammaLogLikelihood({ p: 6.25, q: 3.74, gamma: 15.44 }, 2, 40)
 */
export function gammaGammaLogLikelihood(g: GammaGammaParameters, x: number, m: number): number {
  const px = g.p * x;
  return gammaln(px + g.q) - gammaln(px) - gammaln(g.q) + g.q * Math.log(g.gamma) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + g.q) * Math.log(g.gamma + m * x);
}

export type GammaGammaFit =
  | { converged: true; parameters: GammaGammaParameters; standardErrors: GammaGammaParameters | null; logLikelihood: number; sampleSize: number; evaluations: number }
  | { converged: false; reason: string; parameters: GammaGammaParameters | null; logLikelihood: number | null; sampleSize: number; evaluations: number };

/** Fits below this many repeat customers are refused. */
export const MIN_REPEAT_CUSTOMERS = 10;

/**
 * The maximum-likelihood fit on repeat customers (x >= 1, m > 0; others are left out).
 * @example fitGammaGamma(cdnowSpend) // { converged: true, parameters: { p: 6.25, q: 3.74, gamma: 15.44 }, ... }
 */
export function fitGammaGamma(histories: readonly SpendHistory[]): GammaGammaFit {
  const usable = histories.filter((h) => h.x >= 1 && h.m > 0 && Number.isFinite(h.m) && h.count > 0);
  const sampleSize = usable.reduce((n, h) => n + h.count, 0);
  const fail = (reason: string): GammaGammaFit => ({ converged: false, reason, parameters: null, logLikelihood: null, sampleSize, evaluations: 0 });
  if (sampleSize < MIN_REPEAT_CUSTOMERS) return fail(`${sampleSize} customers with a repeat purchase of positive value; the spend model needs at least ${MIN_REPEAT_CUSTOMERS}`);
  const first = usable[0]!.m;
  if (usable.every((h) => h.m === first)) return fail('every repeat customer spends the same: the spread of spend cannot be estimated');
  const optimum = maximiseLogLikelihood(
    ([p, q, gamma]) => {
      const g = { p: p!, q: q!, gamma: gamma! };
      let sum = 0;
      for (const h of usable) sum += h.count * gammaGammaLogLikelihood(g, h.x, h.m);
      return sum;
    },
    // Start at p = 1, q = 2 and γ = the mean spend, where the population mean pγ/(q-1) is the sample's.
    [1, 2, usable.reduce((s, h) => s + h.count * h.m, 0) / sampleSize],
    sampleSize,
  );
  const toParameters = ([p, q, gamma]: number[]): GammaGammaParameters => ({ p: p!, q: q!, gamma: gamma! });
  const parameters = optimum.logParameters ? toParameters(optimum.logParameters.map(Math.exp)) : null;
  if (!optimum.converged) return { converged: false, reason: optimum.reason, parameters, logLikelihood: optimum.logLikelihood, sampleSize, evaluations: optimum.evaluations };
  return { converged: true, parameters: parameters!, standardErrors: optimum.standardErrors ? toParameters(optimum.standardErrors) : null, logLikelihood: optimum.logLikelihood, sampleSize, evaluations: optimum.evaluations };
}

/**
 * E[M | p, q, γ, x, m]: the expected average transaction value of a customer, a weighted mean of the
 * population mean pγ/(q-1) and the customer's own mean m: (p(γ + x m)) / (px + q - 1). With x = 0
 * it is the population mean. NaN when q <= 1 (the population mean does not exist).
 * @example conditionalExpectedAverageSpend({ p: 6.25, q: 3.74, gamma: 15.44 }, 0, 0) // 35.22
 */
export function conditionalExpectedAverageSpend(g: GammaGammaParameters, x: number, m: number): number {
  const denominator = g.p * x + g.q - 1;
  if (!(denominator > 0)) return Number.NaN;
  return (g.p * (g.gamma + x * m)) / denominator;
}

/**
 * The discounted value of the next `months` months, as the `lifetimes` package's
 * customer_lifetime_value computes it: for each month k = 1..months, the expected purchases in month
 * k (E[Y(k·h)] - E[Y((k-1)·h)], h a month in the model's time unit) times the expected average
 * spend, discounted by (1 + monthlyDiscountRate)^k. A month is 365/12 days.
 * @example customerLifetimeValue(bg, 35.2, 0, 0, 38.86, { months: 12, monthlyDiscountRate: 0.01, unitsPerMonth: 365 / 12 / 7 })
 */
export function customerLifetimeValue(
  bg: BgNbdParameters,
  expectedAverageSpend: number,
  x: number,
  tx: number,
  T: number,
  options: { months: number; monthlyDiscountRate: number; unitsPerMonth: number },
): number {
  let value = 0;
  let previous = 0;
  for (let k = 1; k <= options.months; k++) {
    const cumulative = conditionalExpectedPurchases(bg, k * options.unitsPerMonth, x, tx, T);
    value += (expectedAverageSpend * (cumulative - previous)) / (1 + options.monthlyDiscountRate) ** k;
    previous = cumulative;
  }
  return value;
}
