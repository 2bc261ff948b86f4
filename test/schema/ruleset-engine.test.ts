/**
 * The edge evaluator's shortcuts, each against the reference evaluator on contexts chosen to reach
 * their corners: negated indexed conditions folded into the attribute bitsets (missing attribute,
 * value of the wrong type, value that holds), segments left with one event count or its negation,
 * `or`s of indexed conditions checked through the index (alone, with a count beside them, or with a
 * count inside them), a condition both required and forbidden, references, and profile memberships
 * merged in order.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalogue } from '../../schema/attributes.js';
import type { AttrValue, EvalContext } from '../../schema/context.js';
import { evaluateRule } from '../../schema/reference.js';
import { DAY_MS, type RuleJson } from '../../schema/rule.js';
import { compileRuleset, evaluateRuleset, prepareRuleset, type SegmentDefinition } from '../../schema/ruleset.js';
import { validateRule, type SegmentInfo } from '../../schema/validate.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const catalogue = buildCatalogue([]);
const pricing = (min: number, max?: number): RuleJson => ({
  event: 'page_view',
  where: [{ attr: 'path', op: 'matches', value: '/pricing/**' }],
  min,
  ...(max === undefined ? {} : { max }),
  inLastDays: 7,
});

const RULES: Record<string, RuleJson> = {
  'not-vn': { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, { not: { attr: 'geo.country', op: 'eq', value: 'VN' } }] },
  'only-not-vn': { not: { attr: 'geo.country', op: 'in', value: ['VN', 'TH'] } },
  'not-hour': { all: [{ not: { attr: 'time.hour', op: 'between', value: [9, 17] } }, { not: { attr: 'page.path', op: 'matches', value: '/blog/*' } }] },
  'vn-and-not-vn': { all: [{ attr: 'geo.country', op: 'eq', value: 'VN' }, { not: { attr: 'geo.country', op: 'in', value: ['VN'] } }] },
  'mobile-pricing': { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, pricing(2)] },
  'mobile-no-pricing': { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, { not: pricing(1) }] },
  'never-pricing': { all: [{ attr: 'geo.country', op: 'neq', value: 'US' }, pricing(0, 0)] },
  'not-vn-pricing': { all: [{ not: { attr: 'geo.country', op: 'eq', value: 'VN' } }, pricing(1)] },
  'either': { all: [{ not: { attr: 'utm.source', op: 'eq', value: 'google' } }, { any: [{ attr: 'geo.country', op: 'eq', value: 'TH' }, pricing(3)] }] },
  'clause': { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, { any: [{ attr: 'geo.country', op: 'eq', value: 'TH' }, { attr: 'time.hour', op: 'gte', value: 18 }] }] },
  'only-clause': { any: [{ attr: 'utm.source', op: 'in', value: ['google', 'bing'] }, { attr: 'page.path', op: 'matches', value: '/blog/**' }] },
  'clause-and-count': { all: [{ any: [{ attr: 'geo.country', op: 'eq', value: 'DE' }, { attr: 'time.hour', op: 'lt', value: 5 }] }, pricing(2)] },
  'clause-or-count': { all: [{ attr: 'device.type', op: 'neq', value: 'tv' }, { any: [{ attr: 'geo.country', op: 'in', value: ['US', 'DE'] }, pricing(3)] }] },
  'count-or-clause': { all: [{ not: { attr: 'geo.country', op: 'eq', value: 'VN' } }, { any: [pricing(2), { attr: 'page.referrerHost', op: 'endsWith', value: '.test' }] }] },
  'not-clause-or-count': { all: [{ attr: 'device.type', op: 'eq', value: 'mobile' }, { not: { any: [{ attr: 'geo.country', op: 'eq', value: 'TH' }, pricing(1)] } }] },
  'two-clauses': {
    all: [
      { any: [{ attr: 'geo.country', op: 'eq', value: 'TH' }, { attr: 'device.type', op: 'eq', value: 'desktop' }] },
      { any: [{ attr: 'time.hour', op: 'gte', value: 12 }, { attr: 'utm.source', op: 'eq', value: 'google' }] },
    ],
  },
  'ref': { all: [{ segment: 'not-vn' }, { not: { attr: 'page.referrerHost', op: 'endsWith', value: '.example' } }] },
};

function definitions(rules: Record<string, RuleJson>): SegmentDefinition[] {
  const known = new Map<string, SegmentInfo>();
  return Object.entries(rules).map(([slug, json]) => {
    const result = validateRule(json, catalogue, { segments: known });
    if (!result.ok) throw new Error(`${slug}: ${JSON.stringify(result.errors)}`);
    known.set(slug, { scope: result.scope, status: 'published', references: [...result.references] });
    return { slug, rule: result.rule, scope: result.scope };
  });
}

function context(attributes: Record<string, AttrValue>, pricingViews: number[], memberships?: string[]): EvalContext {
  const events = pricingViews.map((daysAgo, i) => ({ name: 'page_view', at: NOW - daysAgo * DAY_MS, properties: { path: i % 2 === 0 ? '/pricing/pro' : '/pricing' } }));
  events.push({ name: 'page_view', at: NOW, properties: { path: '/blog/x' } });
  return { attributes, events, ...(memberships ? { memberships } : {}) };
}

const ATTRIBUTE_SETS: Array<Record<string, AttrValue>> = [
  {},
  { 'geo.country': 'VN', 'device.type': 'mobile', 'time.hour': 10, 'page.path': '/blog/a' },
  { 'geo.country': 'TH', 'device.type': 'mobile', 'time.hour': 20, 'page.path': '/pricing', 'utm.source': 'google' },
  { 'geo.country': 'US', 'device.type': 'desktop', 'time.hour': 3, 'page.referrerHost': 'www.example' },
  { 'geo.country': 'DE', 'device.type': 'mobile', 'time.hour': 9, 'page.referrerHost': 'news.test', 'utm.source': 'bing' },
  // Wrong runtime types: every indexed condition is false, so every negated one holds.
  { 'geo.country': 7, 'device.type': 'mobile', 'time.hour': '10', 'page.path': 5, 'utm.source': true },
  { 'geo.country': null, 'device.type': 'mobile', 'time.hour': Number.NaN, 'page.path': null },
];
const HISTORIES = [[], [1], [1, 2], [1, 2, 3, 8], [10, 20]];

// Without references the evaluator takes its direct path; with one, every segment is memoised.
const WITHOUT_REFERENCES = Object.fromEntries(Object.entries(RULES).filter(([slug]) => slug !== 'ref'));

describe.each([
  ['without references', WITHOUT_REFERENCES],
  ['with a reference', RULES],
])('edge evaluator shortcuts agree with the reference evaluator (%s)', (_, rules) => {
  const segments = definitions(rules);
  const compiled = compileRuleset([...segments, { slug: 'loyal', scope: 'profile', rule: { kind: 'all', rules: [] } }], { version: 't' });
  const prepared = prepareRuleset(JSON.parse(JSON.stringify(compiled)));
  if (!prepared.ok) throw new Error(prepared.errors.join('; '));
  const bySlug = new Map(segments.map((s) => [s.slug, s]));
  const env = {
    mode: 'edge' as const,
    segment: (slug: string) => {
      const s = bySlug.get(slug);
      return s ? { rule: s.rule, scope: s.scope, published: true } : undefined;
    },
  };

  it('on every attribute set x history, twice (cached index entries)', () => {
    let matched = 0;
    for (let round = 0; round < 2; round++) {
      for (const attributes of ATTRIBUTE_SETS) {
        for (const history of HISTORIES) {
          const ctx = context(attributes, history);
          const expected = segments.filter((s) => evaluateRule(s.rule, ctx, NOW, env)).map((s) => s.slug);
          const tags = evaluateRuleset(prepared.ruleset, ctx, NOW);
          expect(tags, JSON.stringify({ attributes, history })).toEqual(compiled.segments.map((s) => s.slug).filter((slug) => expected.includes(slug)));
          matched += tags.length;
        }
      }
    }
    expect(matched).toBeGreaterThan(50);
  });

  it('never tags a segment whose condition is both required and forbidden', () => {
    for (const attributes of ATTRIBUTE_SETS) expect(evaluateRuleset(prepared.ruleset, context(attributes, [1]), NOW)).not.toContain('vn-and-not-vn');
  });

  it('merges profile memberships in ruleset order, once', () => {
    const ctx = context({ 'geo.country': 'DE', 'device.type': 'mobile' }, [1, 2], ['loyal', 'loyal', 'unknown']);
    const tags = evaluateRuleset(prepared.ruleset, ctx, NOW);
    expect(tags.filter((t) => t === 'loyal')).toHaveLength(1);
    const order = compiled.segments.map((s) => s.slug);
    expect(tags).toEqual([...tags].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  });
});
