/**
 * The verdicts of a split, pure (no database): the sentences a marketer reads, the control and
 * confidence checks, and the order of variants and comparisons.
 */
import { describe, expect, it } from 'vitest';
import { checkConfidence, checkControl, judgeSplit } from '../../../api/analytics/split-kpis.verdicts.js';
import type { VariantFigures } from '../../../api/analytics/split-kpis.queries.js';

const PERIOD = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
/** x purchasers of n members, each purchaser spending `each` (so the revenue moments are exact). */
const arm = (name: string, n: number, x: number, each: number): VariantFigures => ({
  name,
  weight: 1,
  members: n,
  purchasers: x,
  revenue: { n, sum: x * each, sumSquares: x * each * each, min: x < n ? 0 : each, max: x > 0 ? each : 0 },
});

describe('judgeSplit', () => {
  it('says what a marketer needs: rates, the difference with its interval, p and the verdict', () => {
    const judged = judgeSplit([arm('A', 1000, 200, 50), arm('B', 1000, 250, 50)], PERIOD, 'A', 0.95);
    const [b] = judged.comparisons;
    expect(b!.conversionRate.explanation).toBe('B converts 25.0% vs 20.0% for A (+5.0 points, 95% CI +1.3 to +8.7); p = 0.0074: significant at 95%.');
    // Revenue per member 12.50 vs 10.00 (a 50.00 purchase by 25 % vs 20 % of the members).
    expect(b!.revenuePerMember.explanation).toMatch(/^B earns 12\.50 per member vs 10\.00 for A \(\+2\.50, 95% CI \+0\.\d\d to \+4\.\d\d\); p = 0\.00\d\d: significant at 95%\.$/);
    expect(b!.explanation).toBe(`${b!.conversionRate.explanation} ${b!.revenuePerMember.explanation}`);
    expect(judged).toMatchObject({ control: 'A', confidence: 0.95, from: PERIOD.from, to: PERIOD.to });
  });

  it('says when a difference may be noise, how many members would tell, and when counts are too few for the z-test', () => {
    const [b] = judgeSplit([arm('A', 40, 3, 20), arm('B', 40, 6, 20)], PERIOD, 'A', 0.9).comparisons;
    expect(b!.conversionRate.explanation).toMatch(
      /^B converts 15\.0% vs 7\.5% for A \(\+7\.5 points, 90% CI -\d\.\d to \+\d+\.\d\); p = 0\.\d+: not significant at 90% \(it may be noise\); about \d+ members per variant would be needed to detect a difference this size\. Fewer than 5 purchasers or non-purchasers in an arm: treat the p-value as rough\.$/,
    );
  });

  it('compares every variant but the control, in order, and says once why one cannot be compared', () => {
    const judged = judgeSplit([arm('a', 100, 10, 5), arm('b', 0, 0, 0), arm('c', 100, 12, 5)], PERIOD, 'c', 0.99);
    expect(judged.variants.map((v) => v.name)).toEqual(['a', 'b', 'c']);
    expect(judged.comparisons.map((c) => [c.variant, c.control])).toEqual([['a', 'c'], ['b', 'c']]);
    expect(judged.comparisons[1]!.explanation).toBe('b cannot be compared with c: the variant has no members.');
    expect(judged.comparisons[0]!.conversionRate.explanation).toContain('at 99%');
  });
});

describe('checkControl and checkConfidence', () => {
  const split = { name: 'cta', variants: [{ name: 'red' }, { name: 'green' }] };
  it('default to the first variant and 0.95, and accept the named variant and the ends of the range', () => {
    expect(checkControl(split, undefined)).toBe('red');
    expect(checkControl(split, null)).toBe('red');
    expect(checkControl(split, 'green')).toBe('green');
    expect(checkConfidence(undefined)).toBe(0.95);
    expect(checkConfidence(0.8)).toBe(0.8);
    expect(checkConfidence(0.999)).toBe(0.999);
  });

  it('refuse an unknown variant and a confidence outside 0.8..0.999, naming the argument', () => {
    expect(() => checkControl(split, 'blue')).toThrow("control: split 'cta' has no variant 'blue' (it has 'red', 'green')");
    for (const bad of [0.79, 1, 0, -0.95, 95, Number.NaN]) {
      try {
        checkConfidence(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (error) {
        expect((error as { code?: string; details?: { problems?: Array<{ path: string }> } }).code).toBe('BAD_USER_INPUT');
        expect((error as { details: { problems: Array<{ path: string }> } }).details.problems.map((p) => p.path)).toEqual(['confidence']);
      }
    }
  });
});
