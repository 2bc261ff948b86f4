/**
 * Property: populations drawn (seeded) from the models' own generative processes are fitted back
 * to their parameters within 3 standard errors (from the numerical Hessian), for a few parameter
 * sets. Pure: no database.
 */
import { describe, expect, it } from 'vitest';
import gamma from '@stdlib/random-base-gamma';
import beta from '@stdlib/random-base-beta';
import { fitBgNbd, type BgNbdParameters, type History } from '../../../api/predictive/bgnbd.js';
import { fitGammaGamma, type GammaGammaParameters, type SpendHistory } from '../../../api/predictive/gamma-gamma.js';

/**
 * BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); purchases every Exp(λ) from the first at 0; after each
 * repeat purchase the customer drops out with probability p. Ages T are whole weeks of 26 to 52,
 * times are rounded to days (as the SQL does). Spend: ν ~ Gamma(q, γ), each repeat value ~ Gamma(p, ν).
 */
function simulate(n: number, bg: BgNbdParameters, gg: GammaGammaParameters, seed: number): { histories: History[]; spend: SpendHistory[] } {
  const lambda = gamma.factory(bg.r, bg.alpha, { seed });
  const dropout = beta.factory(bg.a, bg.b, { seed: seed + 1 });
  const uniform = beta.factory(1, 1, { seed: seed + 2 });
  const nu = gamma.factory(gg.q, gg.gamma, { seed: seed + 3 });
  const grouped = new Map<string, History>();
  const spend: SpendHistory[] = [];
  for (let i = 0; i < n; i++) {
    const l = lambda();
    const p = dropout();
    const T = 26 + Math.floor(uniform() * 27);
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(uniform()) / l;
      if (t > T) break;
      x++;
      tx = t;
      if (uniform() < p) break;
    }
    const txDays = Math.min(Math.round(tx * 7), T * 7) / 7;
    const key = `${x}:${txDays}:${T}`;
    const h = grouped.get(key) ?? { x, tx: txDays, T, count: 0 };
    h.count++;
    grouped.set(key, h);
    if (x > 0) {
      const value = gamma.factory(gg.p, nu(), { seed: seed + 10 + i });
      let sum = 0;
      for (let k = 0; k < x; k++) sum += value();
      spend.push({ x, m: sum / x, count: 1 });
    }
  }
  return { histories: [...grouped.values()], spend };
}

describe('fits recover the parameters of simulated populations', () => {
  const cases: Array<[BgNbdParameters, GammaGammaParameters, number]> = [
    [{ r: 0.25, alpha: 4.5, a: 0.8, b: 2.5 }, { p: 6, q: 4, gamma: 15 }, 11],
    [{ r: 1.2, alpha: 10, a: 1.5, b: 6 }, { p: 3, q: 8, gamma: 60 }, 23],
  ];
  for (const [bg, gg, seed] of cases) {
    it(`BG/NBD ${JSON.stringify(bg)}, Gamma-Gamma ${JSON.stringify(gg)}`, () => {
      const { histories, spend } = simulate(8_000, bg, gg, seed);
      const fit = fitBgNbd(histories);
      if (!fit.converged) throw new Error(fit.reason);
      expect(fit.standardErrors).not.toBeNull();
      for (const k of Object.keys(bg) as Array<keyof BgNbdParameters>) {
        expect(Math.abs(fit.parameters[k] - bg[k]), `${k}: ${fit.parameters[k]} ± ${fit.standardErrors![k]}`).toBeLessThan(3 * fit.standardErrors![k]);
      }
      const spendFit = fitGammaGamma(spend);
      if (!spendFit.converged) throw new Error(spendFit.reason);
      for (const k of Object.keys(gg) as Array<keyof GammaGammaParameters>) {
        expect(Math.abs(spendFit.parameters[k] - gg[k]), `${k}: ${spendFit.parameters[k]} ± ${spendFit.standardErrors![k]}`).toBeLessThan(3 * spendFit.standardErrors![k]);
      }
    });
  }
});
