/**
 * Types for `fmin` 0.0.4 (Ben Frederickson's Nelder-Mead and conjugate gradient; ships no types).
 * Its `main` is a UMD bundle in a `"type": "module"` package: imported as ESM it exports nothing
 * and sets `globalThis.fmin` instead (see optimise.ts), so only the global is declared here.
 */
export interface NelderMeadOptions {
  maxIterations?: number;
  nonZeroDelta?: number;
  zeroDelta?: number;
  minErrorDelta?: number;
  minTolerance?: number;
  rho?: number;
  chi?: number;
  psi?: number;
  sigma?: number;
}

export interface FminModule {
  nelderMead(f: (x: number[]) => number, x0: number[], options?: NelderMeadOptions): { fx: number; x: number[] };
}
