import { describe, expect, it } from 'vitest';
import { buildCatalogue } from '../../schema/attributes.js';
import {
  buildLifecycleSegments,
  DEFAULT_LIFECYCLE_PARAMETERS,
  describeLifecycleTemplates,
  LIFECYCLE_CATEGORIES,
  LIFECYCLE_CATEGORY_DESCRIPTIONS,
  LIFECYCLE_PARAMETER_INFO,
  LIFECYCLE_TRAITS,
  type LifecycleParameters,
  type LifecycleSegmentTemplate,
} from '../../schema/lifecycle.js';
import { validateRule } from '../../schema/validate.js';

const catalogue = buildCatalogue(LIFECYCLE_TRAITS);
const context = { segments: new Map() };

function segmentsOf(params?: Partial<LifecycleParameters>): LifecycleSegmentTemplate[] {
  const result = buildLifecycleSegments(params);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.segments;
}

const ruleOf = (slug: string, params?: Partial<LifecycleParameters>) => segmentsOf(params).find((s) => s.slug === slug)?.rule;

describe('lifecycle templates', () => {
  it('has the 13 types of DOMAIN.md in 4 categories', () => {
    const segments = segmentsOf();
    expect(segments.map((s) => [s.category, s.slug])).toEqual([
      ['Prospects', 'prospect'],
      ['Prospects', 'suspect'],
      ['Prospects', 'lead'],
      ['Good customers', 'new'],
      ['Good customers', 'active'],
      ['Good customers', 'novice'],
      ['Good customers', 'repeat'],
      ['Bad customers', 'at-risk'],
      ['Bad customers', 'lapsed'],
      ['Bad customers', 'unhappy'],
      ['Great customers', 'loyal'],
      ['Great customers', 'referral'],
      ['Great customers', 'advocate'],
    ]);
    expect(new Set(segments.map((s) => s.category))).toEqual(new Set(LIFECYCLE_CATEGORIES));
    for (const s of segments) {
      expect(s.name.length).toBeGreaterThan(0);
      expect(s.description).toMatch(/^[A-Z].*\.$/);
    }
  });

  it.each(segmentsOf().map((s) => [s.slug, s] as const))('%s validates as a profile-scoped rule without warnings', (_slug, template) => {
    const result = validateRule(template.rule, catalogue, context);
    expect(result).toMatchObject({ ok: true, scope: 'profile', warnings: [], references: [] });
  });

  it('needs its traits declared', () => {
    const bare = buildCatalogue([]);
    const failing = segmentsOf().filter((s) => !validateRule(s.rule, bare, context).ok).map((s) => s.slug);
    expect(failing).toEqual(['suspect', 'unhappy', 'referral', 'advocate']);
    const result = validateRule(ruleOf('unhappy'), bare, context);
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(['undeclared_trait', 'undeclared_trait']);
  });

  it("uses DOMAIN.md's defaults", () => {
    expect(DEFAULT_LIFECYCLE_PARAMETERS).toMatchObject({ newWithinDays: 30, atRiskOverdueRatio: 1, lapsedOverdueRatio: 2, loyalMoreThanPurchases: 3, loyalCustomerForDays: 180, loyalBoughtWithinDays: 90 });
    expect(ruleOf('new')).toEqual({ all: [{ attr: 'purchases.first', op: 'inLastDays', value: 30 }] });
    expect(ruleOf('at-risk')).toEqual({ all: [
      { attr: 'purchases.overdueRatio', op: 'gt', value: 1 },
      { attr: 'purchases.overdueRatio', op: 'lt', value: 2 },
    ] });
    expect(ruleOf('loyal')).toEqual({ all: [
      { attr: 'purchases.count', op: 'gt', value: 3 },
      { attr: 'purchases.first', op: 'notInLastDays', value: 180 },
      { attr: 'purchases.last', op: 'inLastDays', value: 90 },
    ] });
    expect(buildLifecycleSegments()).toEqual(buildLifecycleSegments({}));
  });

  it('puts parameters into the rules and descriptions', () => {
    const segments = segmentsOf({ newWithinDays: 45, lapsedOverdueRatio: 2.5, loyalMoreThanPurchases: 5 });
    const bySlug = (slug: string) => segments.find((s) => s.slug === slug);
    expect(bySlug('new')?.rule).toEqual({ all: [{ attr: 'purchases.first', op: 'inLastDays', value: 45 }] });
    expect(bySlug('new')?.description).toMatch(/45 days/);
    expect(JSON.stringify(bySlug('lapsed')?.rule)).toContain('"op":"gte","value":2.5');
    expect(JSON.stringify(bySlug('at-risk')?.rule)).toContain('"op":"lt","value":2.5');
    expect(bySlug('loyal')?.rule).toMatchObject({ all: [{ attr: 'purchases.count', op: 'gt', value: 5 }, {}, {}] });
  });

  it('lets every parameter change at least one rule, which still validates', () => {
    const baseline = JSON.stringify(segmentsOf().map((s) => s.rule));
    for (const key of Object.keys(DEFAULT_LIFECYCLE_PARAMETERS) as Array<keyof LifecycleParameters>) {
      const value = DEFAULT_LIFECYCLE_PARAMETERS[key];
      const up = buildLifecycleSegments({ [key]: key.endsWith('Ratio') ? value + 0.5 : value + 1 });
      const result = up.ok ? up : buildLifecycleSegments({ [key]: value - 1 });
      if (!result.ok) throw new Error(`${key}: ${JSON.stringify(result.errors)}`);
      expect(JSON.stringify(result.segments.map((s) => s.rule)), key).not.toBe(baseline);
      for (const s of result.segments) expect(validateRule(s.rule, catalogue, context).ok, `${key} ${s.slug}`).toBe(true);
    }
  });
});

describe('lifecycle parameters', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['zero days', { newWithinDays: 0 }, '$.newWithinDays', /newWithinDays must be a whole number of days from 1 to 3650, got 0/],
    ['fractional days', { leadWithinDays: 1.5 }, '$.leadWithinDays', /got 1.5/],
    ['too many days', { referralWithinDays: 3651 }, '$.referralWithinDays', /1 to 3650/],
    ['days as a string', { noviceWithinDays: '30' }, '$.noviceWithinDays', /got '30'/],
    ['NaN', { prospectQuietDays: Number.NaN }, '$.prospectQuietDays', /got NaN/],
    ['negative count', { loyalMoreThanPurchases: -1 }, '$.loyalMoreThanPurchases', /from 0 to/],
    ['repeat needs two purchases', { repeatMinPurchases: 1 }, '$.repeatMinPurchases', /from 2 to/],
    ['zero ratio', { atRiskOverdueRatio: 0 }, '$.atRiskOverdueRatio', /above 0/],
    ['NPS above 10', { advocateMinNpsScore: 11 }, '$.advocateMinNpsScore', /from 0 to 10/],
    ['satisfaction 0', { unhappyMaxSatisfactionScore: 0 }, '$.unhappyMaxSatisfactionScore', /from 1 to 5/],
    ['unknown parameter', { newWithinDay: 30 }, '$.newWithinDay', /Unknown lifecycle parameter 'newWithinDay'; did you mean 'newWithinDays'/],
    ['at risk not below lapsed', { atRiskOverdueRatio: 2 }, '$.lapsedOverdueRatio', /greater than atRiskOverdueRatio/],
    ['unhappy NPS overlapping advocates', { unhappyMaxNpsScore: 9 }, '$.advocateMinNpsScore', /greater than unhappyMaxNpsScore/],
    ['not an object', null, '$', /must be an object/],
  ])('rejects %s', (_name, params, path, message) => {
    const result = buildLifecycleSegments(params as Partial<LifecycleParameters>);
    expect(result).toEqual({ ok: false, errors: [{ path, code: expect.any(String), message: expect.stringMatching(message) }] });
  });

  it('reports every bad parameter at once', () => {
    const result = buildLifecycleSegments({ newWithinDays: 0, lapsedOverdueRatio: 0.5, bogus: 1 } as Partial<LifecycleParameters>);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['$.bogus', '$.newWithinDays', '$.lapsedOverdueRatio']);
  });

  it('treats undefined values as defaults', () => {
    expect(buildLifecycleSegments({ newWithinDays: undefined })).toEqual(buildLifecycleSegments());
  });
});

describe('the lifecycle catalogue', () => {
  /** Another valid value of a parameter (the defaults of the others kept), or null when none of these is. */
  function otherValue(name: keyof LifecycleParameters): number | null {
    const d = DEFAULT_LIFECYCLE_PARAMETERS[name];
    for (const candidate of [d + 1, d - 1, d / 2, d * 2]) if (buildLifecycleSegments({ [name]: candidate }).ok) return candidate;
    return null;
  }

  it('lists for each template exactly the parameters that change its rule or meaning', () => {
    const base = describeLifecycleTemplates();
    if (!base.ok) throw new Error('defaults must be valid');
    for (const info of LIFECYCLE_PARAMETER_INFO) {
      const value = otherValue(info.name);
      expect({ name: info.name, value }).not.toEqual({ name: info.name, value: null });
      const changed = segmentsOf({ [info.name]: value! });
      for (const [i, template] of base.templates.entries()) {
        const differs = JSON.stringify([changed[i]!.rule, changed[i]!.description]) !== JSON.stringify([template.rule, template.description]);
        expect({ slug: template.slug, parameter: info.name, reads: template.parameters.includes(info.name) }).toEqual({ slug: template.slug, parameter: info.name, reads: differs });
      }
    }
  });

  it('describes every parameter with its default and bounds, and every one is read by some template', () => {
    const described = describeLifecycleTemplates();
    if (!described.ok) throw new Error('defaults must be valid');
    expect(LIFECYCLE_PARAMETER_INFO.map((p) => p.name).sort()).toEqual(Object.keys(DEFAULT_LIFECYCLE_PARAMETERS).sort());
    const read = new Set(described.templates.flatMap((t) => t.parameters));
    for (const info of LIFECYCLE_PARAMETER_INFO) {
      expect(read.has(info.name)).toBe(true);
      expect(info.description).toMatch(/^[A-Z].+\.$/);
      expect(info.default).toBe(DEFAULT_LIFECYCLE_PARAMETERS[info.name]);
      expect(info.default >= info.min && info.default <= info.max).toBe(true);
      // The bounds are the ones enforced: just outside is refused, the bounds themselves are not (unless exclusive).
      expect(buildLifecycleSegments({ [info.name]: info.max + (info.integer ? 1 : 0.5) }).ok).toBe(false);
      expect(buildLifecycleSegments({ [info.name]: info.min - 1 }).ok).toBe(false);
      if (info.minExclusive) expect(buildLifecycleSegments({ [info.name]: info.min }).ok).toBe(false);
    }
    expect(describeLifecycleTemplates({ newWithinDays: 45 })).toMatchObject({ ok: true, parameters: { newWithinDays: 45 } });
    expect(describeLifecycleTemplates({ newWithinDays: 0 }).ok).toBe(false);
  });

  it('puts each category description on the categories of DOMAIN.md', () => {
    expect(Object.keys(LIFECYCLE_CATEGORY_DESCRIPTIONS)).toEqual([...LIFECYCLE_CATEGORIES]);
  });
});
