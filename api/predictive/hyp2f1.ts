/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) for real parameters and 0 <= z < 1 (and
 * -1 < z < 0), as the BG/NBD conditional expectation needs it. Hand-written: no maintained
 * JavaScript library has it. Pure.
 *
 * Method: the power series sum_n (a)_n (b)_n / ((c)_n n!) z^n, summed until a term is below
 * 1e-15 of the sum for several terms in a row. Its terms behave like n^(a+b-c-1) z^n, so when
 * a + b > c it is summed in Euler's form 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z), whose
 * terms decay like n^(c-a-b-1) z^n instead. Large sums are kept scaled (log of a scale plus a
 * mantissa) so a + b of several hundred at z near 1 does not overflow; the answer is returned as
 * a logarithm and a sign. A sum that has not converged after MAX_TERMS is reported as such.
 */

/** The series gives up after this many terms (z = 0.999 with moderate parameters needs about 40,000). */
export const MAX_TERMS = 2_000_000;
const RELATIVE_TOLERANCE = 1e-15;
const SCALE = 1e200;
const LOG_SCALE = Math.log(SCALE);

export type Hyp2f1 = { ok: true; log: number; sign: 1 | -1 | 0; terms: number } | { ok: false; reason: string };

/**
 * ln|2F1(a, b; c; z)| and its sign.
 * @example hyp2f1Log(1, 1, 2, 0.5) // { ok: true, log: ln(2 ln 2), sign: 1, ... }: 2F1(1,1;2;z) = -ln(1-z)/z
 */
export function hyp2f1Log(a: number, b: number, c: number, z: number): Hyp2f1 {
  if (![a, b, c, z].every(Number.isFinite)) return { ok: false, reason: `2F1 needs finite arguments, got a=${a} b=${b} c=${c} z=${z}` };
  if (z >= 1 || z <= -1) return { ok: false, reason: `2F1 is summed for -1 < z < 1 only, got z=${z}` };
  if (c <= 0 && Number.isInteger(c)) return { ok: false, reason: `2F1 is undefined for c = ${c} (a non-positive integer)` };
  if (z > 0 && a + b - c > 0) {
    // Euler's transformation: faster convergence (and no growing prefactor in the series).
    const inner = seriesLog(c - a, c - b, c, z);
    if (!inner.ok) return inner;
    return { ...inner, log: inner.log + (c - a - b) * Math.log1p(-z) };
  }
  return seriesLog(a, b, c, z);
}

/**
 * 2F1(a, b; c; z) as a number (it may be Infinity for huge values: use hyp2f1Log then).
 * @example hyp2f1(2, 3, 3, 0.5) // 4: 2F1(a,b;b;z) = (1-z)^-a
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const h = hyp2f1Log(a, b, c, z);
  return h.ok ? h.sign * Math.exp(h.log) : Number.NaN;
}

function seriesLog(a: number, b: number, c: number, z: number): Hyp2f1 {
  let sum = 1;
  let term = 1;
  let logScale = 0; // sum and term are both divided by exp(logScale)
  for (let n = 0; n < MAX_TERMS; n++) {
    const ratio = ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    term *= ratio;
    sum += term;
    if (term === 0) return finish(sum, logScale, n + 1);
    if (Math.abs(sum) > SCALE) {
      sum /= SCALE;
      term /= SCALE;
      logScale += LOG_SCALE;
    }
    if (!Number.isFinite(sum)) return { ok: false, reason: `2F1(${a}, ${b}; ${c}; ${z}) overflowed after ${n + 1} terms` };
    // The ratio of successive terms tends to z; once it is below 1 the tail is at most a geometric series.
    const bound = Math.max(Math.abs(ratio), Math.abs(z));
    if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= RELATIVE_TOLERANCE * Math.abs(sum)) return finish(sum, logScale, n + 1);
  }
  return { ok: false, reason: `2F1(${a}, ${b}; ${c}; ${z}) did not converge in ${MAX_TERMS} terms` };
}

function finish(sum: number, logScale: number, terms: number): Hyp2f1 {
  if (sum === 0) return { ok: true, log: Number.NEGATIVE_INFINITY, sign: 0, terms };
  return { ok: true, log: Math.log(Math.abs(sum)) + logScale, sign: sum > 0 ? 1 : -1, terms };
}
