/**
 * The KPIs of an A/B split judged, pure: each variant's conversion rate (Wilson interval) and
 * revenue per member (t interval), and each other variant against the control (two-proportion
 * z-test, Welch's t-test) with a sentence a marketer can read as it is. No database, no clock.
 */
import { BadInputError } from '../errors.js';
import { meanInterval, meanOf, twoProportionZTest, welchTTest, wilsonInterval, type Comparison, type Interval } from './ab-statistics.js';
import type { Period } from './kpis.service.js';
import type { VariantFigures } from './split-kpis.queries.js';

export const DEFAULT_CONFIDENCE = 0.95;
export const MIN_CONFIDENCE = 0.8;
export const MAX_CONFIDENCE = 0.999;
/** Below this many purchasers or non-purchasers in an arm, the z-test's normal approximation is rough. */
export const FEW_OUTCOMES = 5;

export type SignificanceTest = 'TWO_PROPORTION_Z' | 'WELCH_T';

export interface VariantKpis {
  name: string;
  weight: number;
  members: number;
  purchasers: number;
  revenue: number;
  conversionRate: number | null;
  conversionRateInterval: Interval | null;
  revenuePerMember: number | null;
  revenuePerMemberInterval: Interval | null;
}

export interface MetricComparison extends Comparison {
  test: SignificanceTest;
  control: number | null;
  variant: number | null;
  explanation: string;
}

export interface VariantComparison {
  variant: string;
  control: string;
  conversionRate: MetricComparison;
  revenuePerMember: MetricComparison;
  explanation: string;
}

export interface SplitKpis extends Period {
  confidence: number;
  control: string;
  variants: VariantKpis[];
  comparisons: VariantComparison[];
}

/** Checks the confidence level: a number in [0.8, 0.999]; absent means 0.95. */
export function checkConfidence(confidence: number | null | undefined): number {
  if (confidence === null || confidence === undefined) return DEFAULT_CONFIDENCE;
  if (!Number.isFinite(confidence) || confidence < MIN_CONFIDENCE || confidence > MAX_CONFIDENCE) {
    const message = `must be between ${MIN_CONFIDENCE} and ${MAX_CONFIDENCE} (e.g. 0.95 for 95 %), not ${confidence}`;
    throw new BadInputError(`confidence: ${message}`, { problems: [{ path: 'confidence', message }] });
  }
  return confidence;
}

/** The control variant: the one named, else the split's first. */
export function checkControl(split: { name: string; variants: ReadonlyArray<{ name: string }> }, control: string | null | undefined): string {
  if (control === null || control === undefined) return split.variants[0]!.name;
  if (split.variants.some((v) => v.name === control)) return control;
  const message = `split '${split.name}' has no variant '${control}' (it has ${split.variants.map((v) => `'${v.name}'`).join(', ')})`;
  throw new BadInputError(`control: ${message}`, { problems: [{ path: 'control', message }] });
}

const level = (confidence: number) => `${Number((confidence * 100).toFixed(1))}%`;
const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(digits)}`;
const money = (x: number) => x.toFixed(2);
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toPrecision(2))}`);

function verdict(c: Comparison, confidence: number): string {
  if (c.pValue === null) return `no test: ${c.undefinedReason}.`;
  const head = `${pText(c.pValue)}: ${c.significant ? 'significant' : 'not significant'} at ${level(confidence)}`;
  if (c.significant) return `${head}.`;
  const needed = c.membersNeeded === null ? '' : `; about ${c.membersNeeded.toLocaleString('en-US')} members per variant would be needed to detect a difference this size`;
  return `${head} (it may be noise)${needed}.`;
}

function interval(i: Interval | null, digits: number, scale: number, confidence: number): string {
  return i === null ? '' : `, ${level(confidence)} CI ${signed(i.low * scale, digits)} to ${signed(i.high * scale, digits)}`;
}

function conversionComparison(control: VariantFigures, variant: VariantFigures, confidence: number): MetricComparison {
  const c = twoProportionZTest({ successes: control.purchasers, n: control.members }, { successes: variant.purchasers, n: variant.members }, confidence);
  const rate = (f: VariantFigures) => (f.members > 0 ? f.purchasers / f.members : null);
  const [r1, r2] = [rate(control), rate(variant)];
  let explanation: string;
  if (r1 === null || r2 === null) explanation = `${variant.name} cannot be compared with ${control.name}: ${c.undefinedReason}.`;
  else {
    const diff = c.difference === null ? '' : ` (${signed(c.difference * 100, 1)} points${interval(c.interval, 1, 100, confidence)})`;
    explanation = `${variant.name} converts ${percent(r2)} vs ${percent(r1)} for ${control.name}${diff}; ${verdict(c, confidence)}`;
    const outcomes = [control.purchasers, control.members - control.purchasers, variant.purchasers, variant.members - variant.purchasers];
    if (c.pValue !== null && Math.min(...outcomes) < FEW_OUTCOMES) explanation += ` Fewer than ${FEW_OUTCOMES} purchasers or non-purchasers in an arm: treat the p-value as rough.`;
  }
  return { ...c, test: 'TWO_PROPORTION_Z', control: r1, variant: r2, explanation };
}

function revenueComparison(control: VariantFigures, variant: VariantFigures, confidence: number): MetricComparison {
  const c = welchTTest(control.revenue, variant.revenue, confidence);
  const [m1, m2] = [meanOf(control.revenue), meanOf(variant.revenue)];
  const explanation =
    m1 === null || m2 === null
      ? `${variant.name} cannot be compared with ${control.name}: ${c.undefinedReason}.`
      : `${variant.name} earns ${money(m2)} per member vs ${money(m1)} for ${control.name} (${signed(m2 - m1, 2)}${interval(c.interval, 2, 1, confidence)}); ${verdict(c, confidence)}`;
  return { ...c, test: 'WELCH_T', control: m1, variant: m2, explanation };
}

/** The KPIs of a split's variants over a period and each other variant against the control. */
export function judgeSplit(figures: readonly VariantFigures[], period: Period, control: string, confidence: number): SplitKpis {
  const variants = figures.map((f) => ({
    name: f.name,
    weight: f.weight,
    members: f.members,
    purchasers: f.purchasers,
    revenue: f.revenue.sum,
    conversionRate: f.members > 0 ? f.purchasers / f.members : null,
    conversionRateInterval: wilsonInterval(f.purchasers, f.members, confidence),
    revenuePerMember: meanOf(f.revenue),
    revenuePerMemberInterval: meanInterval(f.revenue, confidence),
  }));
  const base = figures.find((f) => f.name === control)!;
  const comparisons = figures
    .filter((f) => f.name !== control)
    .map((f) => {
      const conversionRate = conversionComparison(base, f, confidence);
      const revenuePerMember = revenueComparison(base, f, confidence);
      const both = conversionRate.explanation === revenuePerMember.explanation ? [conversionRate.explanation] : [conversionRate.explanation, revenuePerMember.explanation];
      return { variant: f.name, control, conversionRate, revenuePerMember, explanation: both.join(' ') };
    });
  return { ...period, confidence, control, variants, comparisons };
}
