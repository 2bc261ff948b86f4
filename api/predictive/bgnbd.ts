/**
 * The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your Customers the
 * Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2)). Pure.
 *
 * While alive a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each purchase
 * they drop out with probability p ~ Beta(a, b). A customer's history is (x, t_x, T): x repeat
 * purchase occasions, t_x the time of the last one since the first purchase, T the time from the
 * first purchase to the end of calibration. The time unit is the caller's (the papers and this
 * project use weeks); α scales with it, r, a and b do not.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import betaln from '@stdlib/math-base-special-betaln';
import { hyp2f1Log } from './hyp2f1.js';
import { maximiseLogLikelihood, type Optimum } from './optimise.js';

export interface BgNbdParameters {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** A purchase history (x, t_x, T) and how many customers share it (sufficient statistics). */
export interface History {
  x: number;
  tx: number;
  T: number;
  count: number;
}

/**
 * ln L(r, α, a, b | x, t_x, T): the paper's equation (6) in log space,
 * L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)) + [x > 0] B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)).
 * @example bgNbdLogLikelihood({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 0, 0, 38.86) // ≈ -0.3935
 */
export function bgNbdLogLikelihood(p: BgNbdParameters, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common = gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b);
  const stay = -(r + x) * Math.log(alpha + T);
  if (x === 0) return common + stay;
  // B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1)
  const left = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return common + logSumExp(stay, left);
}

/** The sample log-likelihood of grouped histories. */
export function bgNbdSampleLogLikelihood(p: BgNbdParameters, histories: readonly History[]): number {
  let sum = 0;
  for (const h of histories) sum += h.count * bgNbdLogLikelihood(p, h.x, h.tx, h.T);
  return sum;
}

export type BgNbdFit =
  | { converged: true; parameters: BgNbdParameters; standardErrors: BgNbdParameters | null; logLikelihood: number; sampleSize: number; evaluations: number }
  | { converged: false; reason: string; parameters: BgNbdParameters | null; logLikelihood: number | null; sampleSize: number; evaluations: number };

/**
 * The maximum-likelihood fit over grouped histories (customers with at least one purchase).
 * Refuses too small or degenerate samples with a reason rather than returning a meaningless answer.
 * @example fitBgNbd(cdnowHistories) // { converged: true, parameters: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, logLikelihood: -9582.4, ... }
 */
export function fitBgNbd(histories: readonly History[]): BgNbdFit {
  const sampleSize = histories.reduce((n, h) => n + h.count, 0);
  const bad = histories.find((h) => !(h.x >= 0 && Number.isInteger(h.x) && h.tx >= 0 && h.T >= h.tx && h.count > 0 && Number.isFinite(h.T)));
  if (bad) return fail(`a history is not valid (needs integer x >= 0 and 0 <= t_x <= T): ${JSON.stringify(bad)}`, sampleSize);
  if (sampleSize < MIN_CUSTOMERS) return fail(`${sampleSize} customers with purchases; the model needs at least ${MIN_CUSTOMERS}`, sampleSize);
  const repeaters = histories.reduce((n, h) => n + (h.x > 0 ? h.count : 0), 0);
  if (repeaters === 0) return fail('no customer has a repeat purchase: the purchase rate and dropout cannot be told apart', sampleSize);
  if (repeaters === sampleSize && histories.every((h) => h.tx === h.T)) return fail('every customer bought again at the very end of calibration: dropout cannot be estimated', sampleSize);
  const meanT = histories.reduce((s, h) => s + h.count * h.T, 0) / sampleSize;
  const optimum: Optimum = maximiseLogLikelihood(
    ([r, alpha, a, b]) => bgNbdSampleLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, histories),
    [1, Math.max(meanT, 1e-3), 1, 1],
    sampleSize,
  );
  const parameters = optimum.logParameters ? toParameters(optimum.logParameters.map(Math.exp)) : null;
  if (!optimum.converged) return { converged: false, reason: optimum.reason, parameters, logLikelihood: optimum.logLikelihood, sampleSize, evaluations: optimum.evaluations };
  return {
    converged: true,
    parameters: parameters!,
    standardErrors: optimum.standardErrors ? toParameters(optimum.standardErrors) : null,
    logLikelihood: optimum.logLikelihood,
    sampleSize,
    evaluations: optimum.evaluations,
  };
}

/** Fits below this many customers are refused (four parameters need far more than four customers). */
export const MIN_CUSTOMERS = 20;

/**
 * P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)) (the paper's eq. 13).
 * @example probabilityAlive(cdnow, 0, 0, 38.86) // 1: a customer without repeats cannot have dropped out (dropout follows a purchase)
 */
export function probabilityAlive(p: BgNbdParameters, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logOdds = Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t time units (the paper's eq. 10),
 * (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] · P(alive).
 * Valid for a != 1 (at a = 1 it is the limit, taken by nudging a). NaN when 2F1 fails.
 * @example conditionalExpectedPurchases(cdnow, 39, 2, 30.43, 38.86) // ≈ 1.226 (the paper's customer 1516)
 */
export function conditionalExpectedPurchases(p: BgNbdParameters, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const a = Math.abs(p.a - 1) < 1e-9 ? 1 + 1e-9 : p.a;
  const { r, alpha, b } = p;
  const z = t / (alpha + T + t);
  const h = hyp2f1Log(r + x, b + x, a + b + x - 1, z);
  if (!h.ok) return Number.NaN;
  const product = h.sign * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)) + h.log);
  return ((a + b + x - 1) / (a - 1)) * (1 - product) * probabilityAlive({ ...p, a }, x, tx, T);
}

/**
 * P(Y(t) > 0 | x, t_x, T): the probability of at least one purchase in the next t time units.
 * Given alive at T, λ | history ~ Gamma(r+x, α+T), and no purchase in (T, T+t] has probability
 * e^(-λt) whatever p (dropout happens only at a purchase), so P(Y(t) = 0 | alive) =
 * ((α+T)/(α+T+t))^(r+x); a customer who has dropped out buys nothing. Hence
 * P(Y(t) > 0) = P(alive) · (1 - ((α+T)/(α+T+t))^(r+x)).
 * @example purchaseProbability(cdnow, 4.29, 0, 0, 38.86) // ≈ 0.0258
 */
export function purchaseProbability(p: BgNbdParameters, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const none = Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + T + t)));
  return probabilityAlive(p, x, tx, T) * -Math.expm1(Math.log(none));
}

function toParameters([r, alpha, a, b]: number[]): BgNbdParameters {
  return { r: r!, alpha: alpha!, a: a!, b: b! };
}

function fail(reason: string, sampleSize: number): BgNbdFit {
  return { converged: false, reason, parameters: null, logLikelihood: null, sampleSize, evaluations: 0 };
}

function logSumExp(u: number, v: number): number {
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}
