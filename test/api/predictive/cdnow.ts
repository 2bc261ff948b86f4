/** The CDNOW sample (../shared/data/cdnow, beside the repo) read as purchase occasions, and its published estimates. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
/** ../shared beside the repo (as CI clones it); a git worktree one level further down finds it at ../../shared; SHARED_DIR overrides. */
const SHARED = [process.env.SHARED_DIR, resolve(REPO_ROOT, '../shared'), resolve(REPO_ROOT, '../../shared')].find((d) => d !== undefined && existsSync(resolve(d, 'data/cdnow')));
export const CDNOW_PATH = resolve(SHARED ?? resolve(REPO_ROOT, '../shared'), 'data/cdnow/CDNOW_sample.txt');

/** The papers' estimates on the 39-week calibration (README beside the data). */
export const PUBLISHED = { bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, logLikelihood: -9582.4, gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 } };
/** The last day of calibration (inclusive; T is measured to the start of it, as in the papers' data). */
export const CALIBRATION_END = '1997-09-30';

export interface CdnowRow {
  customer: string;
  day: string; // YYYY-MM-DD
  value: number;
}

export function readCdnow(): CdnowRow[] {
  return readFileSync(CDNOW_PATH, 'utf8').trim().split('\n').map((line) => {
    const [customer, , date, , value] = line.trim().split(/\s+/);
    return { customer: customer!, day: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}`, value: Number(value) };
  });
}
