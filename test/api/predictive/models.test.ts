/**
 * The pure models against published values: the hand-written 2F1 against closed forms and
 * Abramowitz & Stegun, the BG/NBD and Gamma-Gamma fits on CDNOW (computed in memory here; the
 * SQL path is checked in predictive.test.ts), the paper's customer predictions, and bad inputs.
 */
import { describe, expect, it } from 'vitest';
import { hyp2f1, hyp2f1Log } from '../../../api/predictive/hyp2f1.js';
import { conditionalExpectedPurchases, fitBgNbd, probabilityAlive, purchaseProbability, type BgNbdParameters, type History } from '../../../api/predictive/bgnbd.js';
import { conditionalExpectedAverageSpend, customerLifetimeValue, fitGammaGamma, type SpendHistory } from '../../../api/predictive/gamma-gamma.js';
import { CALIBRATION_END, PUBLISHED, readCdnow } from './cdnow.js';

const DAY = 86_400_000;

/** Sufficient statistics in weeks, as the SQL computes them: occasions per day, T to the last calibration day. */
function cdnowStatistics(): { histories: History[]; spend: SpendHistory[] } {
  const end = Date.parse(CALIBRATION_END);
  const byCustomer = new Map<string, Map<string, number>>();
  for (const row of readCdnow()) {
    if (Date.parse(row.day) > end) continue;
    const days = byCustomer.get(row.customer) ?? new Map<string, number>();
    days.set(row.day, (days.get(row.day) ?? 0) + row.value);
    byCustomer.set(row.customer, days);
  }
  const histories: History[] = [];
  const spend: SpendHistory[] = [];
  for (const days of byCustomer.values()) {
    const sorted = [...days.keys()].sort();
    const first = Date.parse(sorted[0]!);
    const x = sorted.length - 1;
    histories.push({ x, tx: (Date.parse(sorted.at(-1)!) - first) / DAY / 7, T: (end - first) / DAY / 7, count: 1 });
    if (x > 0) spend.push({ x, m: sorted.slice(1).reduce((s, d) => s + days.get(d)!, 0) / x, count: 1 });
  }
  return { histories, spend };
}

function expectWithin(actual: Record<string, number>, expected: Record<string, number>, relative: number): void {
  for (const [k, v] of Object.entries(expected)) expect(Math.abs(actual[k]! - v) / v, `${k}: ${actual[k]} vs ${v}`).toBeLessThan(relative);
}

describe('hyp2f1 (hand-written)', () => {
  it('matches closed forms', () => {
    for (const z of [0, 0.1, 0.5, 0.9, 0.99, -0.5]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(z === 0 ? 1 : -Math.log(1 - z) / z, 12);
      expect(hyp2f1(2.5, 3, 3, z)).toBeCloseTo((1 - z) ** -2.5, 8);
      // 2F1(1/2, 1; 3/2; -z²) = arctan(z)/z and 2F1(1/2, 1/2; 3/2; z²) = arcsin(z)/z (A&S 15.1.5, 15.1.6)
      if (z > 0) expect(hyp2f1(0.5, 1, 1.5, -z * z)).toBeCloseTo(Math.atan(z) / z, 12);
      if (z > 0) expect(hyp2f1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 10);
    }
  });

  it('matches Gauss at z -> 1 and terminates for polynomials', () => {
    // 2F1(1,1;3;z) = 2((1-z)ln(1-z) + z)/z², slow to sum near z = 1 (tends to Gauss's 2F1(1,1;3;1) = 2).
    for (const z of [0.9999, 0.99999]) expect(hyp2f1(1, 1, 3, z)).toBeCloseTo((2 * ((1 - z) * Math.log(1 - z) + z)) / (z * z), 10);
    // A terminating series: 2F1(-2, b; c; z) = 1 - 2bz/c + b(b+1)z²/(c(c+1)).
    expect(hyp2f1(-2, 3, 4, 0.5)).toBeCloseTo(1 - (2 * 3 * 0.5) / 4 + (3 * 4 * 0.25) / (4 * 5), 14);
  });

  it('keeps huge values in log space and refuses what it cannot sum', () => {
    const big = hyp2f1Log(600, 600, 601, 0.9); // = (1-z)^-599 · 2F1(1, 1; 601; z) (Euler): about 10^599
    expect(big.ok && big.log).toBeCloseTo(599 * Math.log(10) + Math.log(hyp2f1(1, 1, 601, 0.9)), 6);
    expect(hyp2f1Log(1, 1, 2, 1)).toMatchObject({ ok: false });
    expect(hyp2f1Log(1, 1, -2, 0.5)).toMatchObject({ ok: false });
    expect(hyp2f1Log(Number.NaN, 1, 2, 0.5)).toMatchObject({ ok: false });
  });
});

describe('BG/NBD and Gamma-Gamma on CDNOW (in memory)', () => {
  const { histories, spend } = cdnowStatistics();

  it('reproduce the published estimates', () => {
    const fit = fitBgNbd(histories);
    if (!fit.converged) throw new Error(fit.reason);
    expectWithin({ ...fit.parameters }, PUBLISHED.bgnbd, 0.01);
    expect(Math.abs(fit.logLikelihood - PUBLISHED.logLikelihood)).toBeLessThan(0.1);
    // lifetimes' documented standard errors on the same data: r 0.013, alpha 0.378, a 0.186, b 0.705.
    expectWithin({ ...fit.standardErrors! }, { r: 0.0126, alpha: 0.378, a: 0.186, b: 0.705 }, 0.05);
    const gg = fitGammaGamma(spend);
    if (!gg.converged) throw new Error(gg.reason);
    expect(gg.sampleSize).toBe(946);
    expectWithin({ ...gg.parameters }, PUBLISHED.gammaGamma, 0.01);
  });

  it('predicts the paper\'s customer 1516 and lifetimes\' documented values', () => {
    const p: BgNbdParameters = PUBLISHED.bgnbd;
    // The paper (section 4): x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    expect(conditionalExpectedPurchases(p, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 2);
    // Population mean spend pγ/(q-1) = 35.22 (the RFM and CLV paper).
    expect(conditionalExpectedAverageSpend(PUBLISHED.gammaGamma, 0, 0)).toBeCloseTo(35.22, 1);
  });

  it('agrees with the expectation computed by integration over p', () => {
    // E[Y(t)] = P(alive) · E_{p ~ Beta(a, b+x)} [(1 - ((α+T)/(α+T+pt))^(r+x)) / p], integrated numerically
    // (substituting p = u^(1/a) removes the singularity at 0), against the 2F1 closed form.
    const p: BgNbdParameters = PUBLISHED.bgnbd;
    for (const [t, x, tx, T] of [[39, 2, 30.43, 38.86], [52, 0, 0, 30], [4, 10, 35, 38], [100, 1, 0.5, 1]] as const) {
      const b = p.b + x;
      const n = 200_000;
      let num = 0;
      let den = 0;
      for (let i = 0; i < n; i++) {
        const u = (i + 0.5) / n;
        const q = u ** (1 / p.a);
        const w = (1 - q) ** (b - 1);
        num += w * (1 - ((p.alpha + T) / (p.alpha + T + q * t)) ** (p.r + x)) / q;
        den += w;
      }
      expect(conditionalExpectedPurchases(p, t, x, tx, T)).toBeCloseTo(probabilityAlive(p, x, tx, T) * (num / den), 3);
    }
  });

  it('gives coherent per-profile predictions', () => {
    const p: BgNbdParameters = PUBLISHED.bgnbd;
    expect(probabilityAlive(p, 0, 0, 30)).toBe(1);
    expect(probabilityAlive(p, 5, 2, 38)).toBeLessThan(probabilityAlive(p, 5, 37, 38)); // recent buyers are likelier alive
    const prob = purchaseProbability(p, 4.29, 3, 30, 38);
    expect(prob).toBeGreaterThan(0);
    expect(prob).toBeLessThan(conditionalExpectedPurchases(p, 4.29, 3, 30, 38)); // P(Y>0) <= E[Y]
    expect(purchaseProbability(p, 0, 3, 30, 38)).toBe(0);
    const spend = conditionalExpectedAverageSpend(PUBLISHED.gammaGamma, 3, 50);
    const clv = customerLifetimeValue(p, spend, 3, 30, 38, { months: 12, monthlyDiscountRate: 0.01, unitsPerMonth: 365 / 12 / 7 });
    const undiscounted = spend * conditionalExpectedPurchases(p, 365 / 7, 3, 30, 38);
    expect(clv).toBeLessThan(undiscounted);
    expect(clv).toBeGreaterThan(undiscounted / 1.01 ** 12);
  });
});

describe('fits refuse bad inputs with a reason', () => {
  it('too few customers, no repeat buyers, invalid histories', () => {
    expect(fitBgNbd([])).toMatchObject({ converged: false, reason: expect.stringContaining('at least') });
    expect(fitBgNbd([{ x: 0, tx: 0, T: 10, count: 500 }])).toMatchObject({ converged: false, reason: expect.stringContaining('no customer has a repeat purchase') });
    expect(fitBgNbd([{ x: 1, tx: 11, T: 10, count: 500 }])).toMatchObject({ converged: false, reason: expect.stringContaining('not valid') });
    expect(fitGammaGamma([{ x: 1, m: 10, count: 500 }])).toMatchObject({ converged: false, reason: expect.stringContaining('spends the same') });
    expect(fitGammaGamma([{ x: 0, m: 10, count: 500 }])).toMatchObject({ converged: false, sampleSize: 0 });
  });
});
