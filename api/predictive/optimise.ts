/**
 * Maximum likelihood over log-scale parameters with fmin's Nelder-Mead, a convergence check that
 * does not trust the optimiser's own stop, and standard errors from the numerical Hessian. Pure.
 *
 * Convergence: Nelder-Mead is restarted from its answer (a fresh simplex) until a restart gains
 * less than 1e-7 in log-likelihood; the fit is converged only if that happens within MAX_RESTARTS,
 * the answer is finite, no log-parameter ran off (|log θ| > 25, a boundary solution) and the
 * numerical gradient is small relative to the sample size.
 */
import 'fmin';
import type { FminModule } from './fmin.js';

const fmin = (globalThis as unknown as { fmin: FminModule }).fmin;

const MAX_RESTARTS = 12;
const RESTART_GAIN = 1e-7;
const LOG_BOUND = 25;

export type Optimum =
  | { converged: true; logParameters: number[]; logLikelihood: number; evaluations: number; restarts: number; standardErrors: number[] | null }
  | { converged: false; reason: string; logParameters: number[] | null; logLikelihood: number | null; evaluations: number };

/**
 * Maximises `logLikelihood(exp(θ))` over θ = log parameters, from `start` (parameters > 0).
 * @example maximiseLogLikelihood((p) => -((p[0]! - 2) ** 2), [1]) // converged, exp(θ) ≈ [2]
 */
export function maximiseLogLikelihood(logLikelihood: (parameters: number[]) => number, start: number[], sampleSize = 1): Optimum {
  let evaluations = 0;
  const objective = (theta: number[]): number => {
    evaluations++;
    if (theta.some((t) => !Number.isFinite(t) || Math.abs(t) > LOG_BOUND + 5)) return Number.MAX_VALUE;
    const ll = logLikelihood(theta.map(Math.exp));
    return Number.isFinite(ll) ? -ll : Number.MAX_VALUE;
  };
  let theta = start.map(Math.log);
  let best = objective(theta);
  if (best === Number.MAX_VALUE) return { converged: false, reason: 'the log-likelihood is not finite at the starting values', logParameters: null, logLikelihood: null, evaluations };
  let restarts = 0;
  for (; restarts < MAX_RESTARTS; restarts++) {
    let result: { fx: number; x: number[] };
    try {
      result = fmin.nelderMead(objective, theta, { maxIterations: 400 * theta.length, minErrorDelta: 1e-10, minTolerance: 1e-8, sigma: 1 });
    } catch (error) {
      return { converged: false, reason: `the optimiser failed: ${String(error)}`, logParameters: theta, logLikelihood: -best, evaluations };
    }
    const gain = best - result.fx;
    if (result.fx <= best) {
      theta = [...result.x];
      best = result.fx;
    }
    if (gain < RESTART_GAIN) break;
  }
  const logParameters = theta;
  if (restarts >= MAX_RESTARTS) return { converged: false, reason: `no stable maximum after ${MAX_RESTARTS} optimiser restarts`, logParameters, logLikelihood: -best, evaluations };
  const runaway = logParameters.findIndex((t) => Math.abs(t) > LOG_BOUND);
  if (runaway >= 0) return { converged: false, reason: `parameter ${runaway + 1} ran off to ${Math.exp(logParameters[runaway]!).toExponential(2)} (the data put the maximum on a boundary)`, logParameters, logLikelihood: -best, evaluations };
  const gradient = numericalGradient(objective, logParameters);
  const gradientNorm = Math.hypot(...gradient);
  if (!(gradientNorm <= 1e-3 * Math.max(1, Math.sqrt(sampleSize)))) {
    return { converged: false, reason: `the gradient at the answer is not zero (norm ${gradientNorm.toPrecision(3)})`, logParameters, logLikelihood: -best, evaluations };
  }
  return { converged: true, logParameters, logLikelihood: -best, evaluations, restarts, standardErrors: standardErrors(objective, logParameters) };
}

function numericalGradient(f: (x: number[]) => number, x: number[]): number[] {
  return x.map((_, i) => {
    const h = 1e-5;
    return (f(shift(x, i, h)) - f(shift(x, i, -h))) / (2 * h);
  });
}

/**
 * Standard errors of the parameters (not their logs) from the inverse of the numerical Hessian of
 * the negative log-likelihood in log space, by the delta method: se(θ) = θ · se(log θ). Null when
 * the Hessian is not positive definite.
 */
function standardErrors(f: (x: number[]) => number, x: number[]): number[] | null {
  const n = x.length;
  const h = 1e-4;
  const f0 = f(x);
  const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = i === j
        ? (f(shift(x, i, h)) - 2 * f0 + f(shift(x, i, -h))) / (h * h)
        : (f(shift(shift(x, i, h), j, h)) - f(shift(shift(x, i, h), j, -h)) - f(shift(shift(x, i, -h), j, h)) + f(shift(shift(x, i, -h), j, -h))) / (4 * h * h);
      hessian[i]![j] = v;
      hessian[j]![i] = v;
    }
  }
  const inverse = invert(hessian);
  if (inverse === null) return null;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const variance = inverse[i]![i]!;
    if (!(variance > 0)) return null;
    out.push(Math.exp(x[i]!) * Math.sqrt(variance));
  }
  return out;
}

function shift(x: number[], i: number, h: number): number[] {
  const y = [...x];
  y[i] = y[i]! + h;
  return y;
}

/** Gauss-Jordan inversion with partial pivoting of a small matrix; null when singular. */
export function invert(matrix: number[][]): number[][] | null {
  const n = matrix.length;
  const m = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    for (let k = 0; k < 2 * n; k++) m[col]![k] = m[col]![k]! / p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r]![col]!;
      for (let k = 0; k < 2 * n; k++) m[r]![k] = m[r]![k]! - factor * m[col]![k]!;
    }
  }
  return m.map((row) => row.slice(n));
}
