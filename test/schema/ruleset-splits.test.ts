/**
 * A/B splits in the ruleset: what compileRuleset writes, what checkRuleset accepts, what
 * prepareRuleset exposes, and the variants of a visitor (variantsOf).
 */
import { describe, expect, it } from 'vitest';
import { checkRuleset } from '../../schema/ruleset-check.js';
import { compileRuleset, prepareRuleset, variantsOf, type RulesetSplit, type SegmentDefinition } from '../../schema/ruleset.js';
import { assignVariant } from '../../schema/split.js';

const AB = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }];
const SEGMENTS: SegmentDefinition[] = [
  { slug: 'vn', scope: 'edge', rule: { kind: 'condition', attr: 'geo.country', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: 'VN' } } },
  { slug: 'loyal', scope: 'profile', rule: { kind: 'all', rules: [] } },
];
const HERO: RulesetSplit = { segment: 'vn', name: 'hero', variants: AB };
const PRICE: RulesetSplit = { segment: 'loyal', name: 'price', variants: [{ name: 'low', weight: 1 }, { name: 'mid', weight: 2 }, { name: 'high', weight: 1 }] };

const withSplits = (splits: unknown) => ({ ...compileRuleset(SEGMENTS, { version: 'v' }), splits });
const errorsOf = (json: unknown) => {
  const checked = checkRuleset(json);
  return checked.ok ? [] : checked.errors;
};

describe('compileRuleset with splits', () => {
  it('writes the splits of the compiled segments, in the given order', () => {
    const ruleset = compileRuleset(SEGMENTS, { version: 'v', splits: [PRICE, HERO] });
    expect(ruleset.splits).toEqual([PRICE, HERO]);
    expect(ruleset.format).toBe(1);
    expect(checkRuleset(JSON.parse(JSON.stringify(ruleset))).ok).toBe(true);
  });

  it('leaves out splits of other segments, invalid ones and repeats; no field when none remain', () => {
    const ruleset = compileRuleset(SEGMENTS, {
      splits: [
        HERO,
        { segment: 'archived', name: 'x', variants: AB },
        { segment: 'vn', name: 'one', variants: [{ name: 'a', weight: 1 }] },
        { segment: 'vn', name: 'zero', variants: [{ name: 'a', weight: 0 }, { name: 'b', weight: 1 }] },
        { ...HERO, variants: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }] },
      ],
    });
    expect(ruleset.splits).toEqual([HERO]);
    expect(compileRuleset(SEGMENTS, { splits: [] })).not.toHaveProperty('splits');
    expect(compileRuleset(SEGMENTS, { splits: [{ segment: 'gone', name: 'x', variants: AB }] })).not.toHaveProperty('splits');
    expect(compileRuleset(SEGMENTS)).toEqual(compileRuleset(SEGMENTS, { splits: [] }));
  });
});

describe('checkRuleset: splits', () => {
  it('accepts rulesets without the field (written before splits) and with valid splits', () => {
    expect(errorsOf(compileRuleset(SEGMENTS))).toEqual([]);
    expect(errorsOf(withSplits([HERO, PRICE]))).toEqual([]);
    expect(errorsOf(withSplits([]))).toEqual([]);
  });

  it('refuses malformed splits with the index of each', () => {
    expect(errorsOf(withSplits('nope'))).toEqual(['splits must be an array of at most 10000 splits']);
    expect(errorsOf(withSplits(null))).toHaveLength(1);
    const bad = [
      [{ segment: 'vn', name: 'hero' }, /splits\[0\] must be/],
      [{ segment: 'vn', name: 'hero', variants: [{ name: 'a', weight: '1' }, { name: 'b', weight: 1 }] }, /splits\[0\] must be/],
      [{ segment: 'nowhere', name: 'hero', variants: AB }, /splits\[0\] names segment 'nowhere'/],
      [{ segment: 'vn', name: '', variants: AB }, /splits\[0\] is invalid: name/],
      [{ segment: 'vn', name: 'hero', variants: [{ name: 'a', weight: 1 }] }, /splits\[0\] is invalid: variants/],
      [{ segment: 'vn', name: 'hero', variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }] }, /variants\[1\]\.name/],
      [{ segment: 'vn', name: 'hero', variants: [{ name: 'a', weight: -1 }, { name: 'b', weight: 1 }] }, /variants\[0\]\.weight/],
      [7, /splits\[0\] must be/],
    ] as const;
    for (const [split, message] of bad) {
      const errors = errorsOf(withSplits([split]));
      expect(errors, JSON.stringify(split)).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    }
    expect(errorsOf(withSplits([HERO, HERO]))).toEqual(['splits[1] (vn:hero) is listed twice']);
  });
});

describe('prepareRuleset and variantsOf', () => {
  it('exposes the parsed splits, and none for a ruleset without the field', () => {
    const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(SEGMENTS, { version: 'v', splits: [HERO] }))));
    expect(prepared.ok && prepared.ruleset.splits).toEqual([HERO]);
    const old = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(SEGMENTS, { version: 'v' }))));
    expect(old.ok && old.ruleset.splits).toEqual([]);
  });

  it('assigns the variants of the tagged segments with schema/split.ts, keyed <segment>:<split>', () => {
    for (const subject of ['visitor-1', 'visitor-2', '0b7e2c4e-1f3a-4c55-9d7e-1a2b3c4d5e6f']) {
      expect(variantsOf([HERO, PRICE], ['vn', 'loyal'], subject)).toEqual({
        'vn:hero': assignVariant('hero', subject, AB).name,
        'loyal:price': assignVariant('price', subject, PRICE.variants).name,
      });
      expect(variantsOf([HERO, PRICE], ['loyal'], subject)).toEqual({ 'loyal:price': assignVariant('price', subject, PRICE.variants).name });
      expect(variantsOf([HERO, PRICE], [], subject)).toEqual({});
    }
  });

  it('spreads 20,000 subjects by weight', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const v = variantsOf([PRICE], ['loyal'], `visitor-${i}`)['loyal:price']!;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    expect(Math.abs(counts.low! / 20_000 - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(counts.mid! / 20_000 - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(counts.high! / 20_000 - 0.25)).toBeLessThan(0.015);
  });
});
