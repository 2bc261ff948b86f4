/** Timing and printing helpers of the rule benchmark. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Keeps results observable so the JIT cannot drop the work being timed. */
export let sink = 0;

/** CPU time (user + system) of this process in nanoseconds: what the work cost, whatever else runs on the machine. */
export function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/** Per-request figures of `timePerRequest`, in nanoseconds. */
export interface RequestTiming {
  /** Median CPU time per request over the timed rounds (the figure to compare). */
  ns: number;
  /** Fastest and slowest round (CPU time), to show the noise. */
  minNs: number;
  maxNs: number;
  /** Median wall time per request (includes time the process waited for a core). */
  wallNs: number;
  rounds: number;
}

/**
 * Runs `pass` (one pass over `count` requests, returning any number derived from the results)
 * `warmups` times untimed, then up to `rounds` times timed (at least 3, fewer than `rounds` when
 * they would take longer than `budgetMs`). Each round is measured in CPU time (process.cpuUsage,
 * so a shared, loaded machine inflates it much less than wall time) and in wall time.
 */
export function timePerRequest(pass: () => number, count: number, options: { rounds: number; warmups: number; budgetMs: number }): RequestTiming {
  let warmMs = 0;
  for (let i = 0; i < options.warmups; i++) {
    const start = process.hrtime.bigint();
    sink += pass();
    warmMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const rounds = Math.max(3, Math.min(options.rounds, Math.floor(options.budgetMs / Math.max(warmMs, 1e-3))));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const startCpu = cpuNs();
    sink += pass();
    cpu.push((cpuNs() - startCpu) / count);
    wall.push(Number(process.hrtime.bigint() - start) / count);
  }
  return { ns: median(cpu), minNs: Math.min(...cpu), maxNs: Math.max(...cpu), wallNs: median(wall), rounds };
}

/** Call timings of `timeCall`, in milliseconds. */
export interface CallTiming {
  /** The first call (cold: nothing compiled by the JIT yet, as when a Worker prepares a new ruleset). */
  firstMs: number;
  /** Medians over the timed calls after the warm-ups: process CPU time, and wall time. */
  cpuMs: number;
  wallMs: number;
}

/** Times the first call of `run`, then `warmups` untimed calls, then `rounds` timed ones. */
export function timeCall(run: () => unknown, rounds: number, warmups: number): CallTiming {
  let start = process.hrtime.bigint();
  sink += run() === undefined ? 0 : 1;
  const firstMs = Number(process.hrtime.bigint() - start) / 1e6;
  for (let i = 0; i < warmups; i++) sink += run() === undefined ? 0 : 1;
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    start = process.hrtime.bigint();
    const startCpu = cpuNs();
    sink += run() === undefined ? 0 : 1;
    cpu.push((cpuNs() - startCpu) / 1e6);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { firstMs, cpuMs: median(cpu), wallMs: median(wall) };
}

/** Left-aligned first column, right-aligned others, `|`-separated (a Markdown table). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(Math.max(1, w - 1))}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const fmt = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');
