/**
 * The split hash: published FNV-1a vectors, stickiness, weights respected over many subjects, and
 * validation of split definitions.
 */
import { describe, expect, it } from 'vitest';
import { assignVariant, fnv1a32, HASH_RANGE, splitBucket, validateSplit, variantBounds, variantIndexOf } from '../../schema/split.js';

/** Deterministic uuid-shaped ids, as profile ids look. */
const uuidOf = (i: number) => {
  const hex = (fnv1a32(`id-${i}`).toString(16) + fnv1a32(`x-${i}`).toString(16) + i.toString(16)).padStart(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
};

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    expect(fnv1a32('é')).toBe(fnv1a32Bytes([0xc3, 0xa9]));
    expect(fnv1a32('😀')).toBe(fnv1a32Bytes([0xf0, 0x9f, 0x98, 0x80]));
  });
});

function fnv1a32Bytes(bytes: number[]): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Number((BigInt(h ^ b) * 16777619n) % 4294967296n);
  return h >>> 0;
}

describe('assignVariant', () => {
  const variants = [{ name: 'control', weight: 1 }, { name: 'blue', weight: 1 }, { name: 'red', weight: 2 }];

  it('is sticky: the same split and subject always get the same variant', () => {
    for (let i = 0; i < 200; i++) {
      const first = assignVariant('hero', uuidOf(i), variants).name;
      expect(assignVariant('hero', uuidOf(i), [...variants]).name).toBe(first);
    }
  });

  it('respects the weights within statistical tolerance over 100,000 subjects', () => {
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const name = assignVariant('hero', uuidOf(i), variants).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    // Binomial standard deviation at n = 100k is at most 0.0016: 1 point is over 6 sigma.
    for (const [name, expected] of [['control', 0.25], ['blue', 0.25], ['red', 0.5]] as const) {
      expect(Math.abs(counts.get(name)! / n - expected)).toBeLessThan(0.01);
    }
  });

  it('spreads buckets uniformly over [0, 1) and differs between splits', () => {
    const buckets = Array.from({ length: 20_000 }, (_, i) => splitBucket('s', uuidOf(i)));
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(1);
    const deciles = Array.from({ length: 10 }, (_, d) => buckets.filter((b) => Math.floor(b * 10) === d).length / buckets.length);
    for (const share of deciles) expect(Math.abs(share - 0.1)).toBeLessThan(0.015);
    const same = Array.from({ length: 2000 }, (_, i) => assignVariant('a', uuidOf(i), variants).name === assignVariant('b', uuidOf(i), variants).name);
    expect(same.filter(Boolean).length / same.length).toBeLessThan(0.5);
  });

  it('bounds end at 2^32 and index hashes as SQL counts them', () => {
    const bounds = variantBounds(variants);
    expect(bounds).toEqual([HASH_RANGE / 4, HASH_RANGE / 2, HASH_RANGE]);
    expect(variantIndexOf(0, bounds)).toBe(0);
    expect(variantIndexOf(HASH_RANGE / 4 - 1, bounds)).toBe(0);
    expect(variantIndexOf(HASH_RANGE / 4, bounds)).toBe(1);
    expect(variantIndexOf(HASH_RANGE - 1, bounds)).toBe(2);
  });
});

describe('validateSplit', () => {
  it('accepts positive weights and unique names', () => {
    expect(validateSplit('cta', [{ name: 'a', weight: 0.5 }, { name: 'b', weight: 2 }])).toEqual({ ok: true, value: [{ name: 'a', weight: 0.5 }, { name: 'b', weight: 2 }] });
  });

  it('reports every problem with its path', () => {
    const result = validateSplit(' ', [{ name: 'a', weight: 0 }, { name: 'a', weight: -1 }, { name: '', weight: Number.NaN }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['name', 'variants[0].weight', 'variants[1].name', 'variants[1].weight', 'variants[2].name', 'variants[2].weight']);
  });

  it('needs 2 to 10 variants and a finite sum', () => {
    expect(validateSplit('x', [{ name: 'a', weight: 1 }]).ok).toBe(false);
    expect(validateSplit('x', Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, weight: 1 }))).ok).toBe(false);
    expect(validateSplit('x', [{ name: 'a', weight: Number.MAX_VALUE }, { name: 'b', weight: Number.MAX_VALUE }]).ok).toBe(false);
  });
});
