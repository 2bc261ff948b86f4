/**
 * The 13 customer-lifecycle types of DOMAIN.md as parameterised segment templates, in 4 categories.
 * All are profile-scoped: they read computed purchase attributes, tracked events and three traits
 * (LIFECYCLE_TRAITS) that a workspace declares before creating them.
 *
 * Events the templates rely on: `purchase` (property `requiresOnboarding`: boolean), the lead events
 * of LEAD_EVENTS, `page_view`, `email_click`, `add_to_cart`, `onboarding_completed`, `complaint`,
 * `referral`, `testimonial`, `review` (property `rating`: number, 1-5).
 */
import type { TraitDefinition } from './attributes.js';
import type { ConditionJson, EventJson, Operator, RuleJson, Scalar } from './rule.js';
import { DEFAULT_LIFECYCLE_PARAMETERS, resolveLifecycleParameters, type LifecycleParameters } from './lifecycle-parameters.js';
import type { RuleProblem } from './validate-problems.js';

export { DEFAULT_LIFECYCLE_PARAMETERS, LIFECYCLE_PARAMETER_INFO, resolveLifecycleParameters, type LifecycleParameterInfo, type LifecycleParameters } from './lifecycle-parameters.js';

/**
 * The four lifecycle categories, in funnel order.
 * @example LIFECYCLE_CATEGORIES[0]; // 'Prospects'
 */
export const LIFECYCLE_CATEGORIES = ['Prospects', 'Good customers', 'Bad customers', 'Great customers'] as const;

/**
 * What each category holds (DOMAIN.md), as the category's description when the segments are created.
 * @example LIFECYCLE_CATEGORY_DESCRIPTIONS['Bad customers']; // 'Customers slipping away or unhappy: at risk, lapsed, unhappy.'
 */
export const LIFECYCLE_CATEGORY_DESCRIPTIONS: Readonly<Record<(typeof LIFECYCLE_CATEGORIES)[number], string>> = {
  Prospects: 'People who have not bought yet: prospects, suspects, leads.',
  'Good customers': 'Customers buying as expected: new, active, novice, repeat.',
  'Bad customers': 'Customers slipping away or unhappy: at risk, lapsed, unhappy.',
  'Great customers': 'The best customers: loyal, referrers, advocates.',
};

/**
 * A lifecycle category name.
 * @example const c: LifecycleCategory = 'Great customers';
 */
export type LifecycleCategory = (typeof LIFECYCLE_CATEGORIES)[number];

/**
 * One lifecycle segment ready to be created: slug, display name, category, one-sentence meaning, rule.
 * @example const t: LifecycleSegmentTemplate = { slug: 'new', name: 'New customers', category: 'Good customers', description: 'First purchase within the last 30 days.', rule: { attr: 'purchases.first', op: 'inLastDays', value: 30 } };
 */
export interface LifecycleSegmentTemplate {
  slug: string;
  name: string;
  category: LifecycleCategory;
  description: string;
  rule: RuleJson;
}

/**
 * The outcome of building the templates: the 13 segments, or every parameter problem with its path.
 * @example const r: LifecycleBuildResult = { ok: false, errors: [{ path: '$.newWithinDays', code: 'invalid_parameter', message: 'newWithinDays must be a whole number of days from 1 to 3650, got 0' }] };
 */
export type LifecycleBuildResult = { ok: true; segments: LifecycleSegmentTemplate[] } | { ok: false; errors: RuleProblem[] };

/**
 * Traits the templates read; declare them in the workspace before creating the segments.
 * @example buildCatalogue(LIFECYCLE_TRAITS).lookup('traits.npsScore')?.type; // 'number'
 */
export const LIFECYCLE_TRAITS: readonly TraitDefinition[] = [
  { name: 'satisfactionScore', type: 'number', description: 'Latest satisfaction (CSAT) answer, 1 (very unhappy) to 5 (very happy)' },
  { name: 'npsScore', type: 'number', description: 'Latest Net Promoter Score answer, 0 to 10' },
  { name: 'fitScore', type: 'number', description: 'How closely the person matches existing buyers (look-alike / ideal-customer fit), 0 to 100' },
];

/**
 * Events that count as a lead micro-conversion tied to sales.
 * @example LEAD_EVENTS.includes('demo_request'); // true
 */
export const LEAD_EVENTS: readonly string[] = ['demo_request', 'lead_magnet_download', 'contact_form', 'trial_signup', 'quote_request'];

const is = (attr: string, op: Operator, value?: Scalar): ConditionJson => (value === undefined ? { attr, op } : { attr, op, value });
const did = (event: string, inLastDays: number, extra: Partial<EventJson> = {}): EventJson => ({ event, inLastDays, ...extra });
const never = (event: string, inLastDays?: number): EventJson =>
  inLastDays === undefined ? { event, min: 0, max: 0 } : { event, min: 0, max: 0, inLastDays };
const noPurchase = is('purchases.count', 'eq', 0);
const noLeadConversion: RuleJson[] = LEAD_EVENTS.map((event) => never(event));

function notUnhappy(p: LifecycleParameters): RuleJson[] {
  return [
    never('complaint', p.unhappyWithinDays),
    // A missing score makes the inner condition false, so people who never answered are not excluded.
    { not: is('traits.satisfactionScore', 'lte', p.unhappyMaxSatisfactionScore) },
    { not: is('traits.npsScore', 'lte', p.unhappyMaxNpsScore) },
  ];
}

/** A template: its identity, and its meaning and rule as functions of the thresholds. */
interface TemplateBuilder {
  slug: string;
  name: string;
  category: LifecycleCategory;
  build(p: LifecycleParameters): { description: string; rule: RuleJson };
}

type Build = TemplateBuilder['build'];
const inCategory = (category: LifecycleCategory) => (slug: string, name: string, build: Build): TemplateBuilder => ({ slug, name, category, build });
const prospects = inCategory('Prospects');
const good = inCategory('Good customers');
const bad = inCategory('Bad customers');
const great = inCategory('Great customers');

const TEMPLATES: readonly TemplateBuilder[] = [
  prospects('prospect', 'Prospects', (p) => ({
    description: `Known to us but never bought, never converted as a lead and not engaged (no page view or e-mail click) in the last ${p.prospectQuietDays} days.`,
    rule: { all: [noPurchase, ...noLeadConversion, never('page_view', p.prospectQuietDays), never('email_click', p.prospectQuietDays)] },
  })),
  prospects('suspect', 'Suspects', (p) => ({
    description: `Never bought nor converted, but behaves or looks like a buyer: ${p.suspectMinPricingViews}+ pricing page views or an add-to-cart in the last ${p.suspectWithinDays} days, or a fit score of ${p.suspectMinFitScore}+.`,
    rule: { all: [noPurchase, ...noLeadConversion, { any: [
      did('page_view', p.suspectWithinDays, { where: [is('path', 'matches', '/pricing**')], min: p.suspectMinPricingViews }),
      did('add_to_cart', p.suspectWithinDays),
      is('traits.fitScore', 'gte', p.suspectMinFitScore),
    ] }] },
  })),
  prospects('lead', 'Leads', (p) => ({
    description: `Never bought, but asked for a demo, downloaded a lead magnet, filled in a contact form, started a trial or asked for a quote in the last ${p.leadWithinDays} days.`,
    rule: { all: [noPurchase, { any: LEAD_EVENTS.map((event) => did(event, p.leadWithinDays)) }] },
  })),
  good('new', 'New customers', (p) => ({
    description: `First purchase within the last ${p.newWithinDays} days.`,
    rule: { all: [is('purchases.first', 'inLastDays', p.newWithinDays)] },
  })),
  good('active', 'Active customers', (p) => ({
    description: `At least ${p.activeMinPurchases} purchases and not yet past their usual interval between purchases (overdue ratio at most ${p.atRiskOverdueRatio}).`,
    rule: { all: [is('purchases.count', 'gte', p.activeMinPurchases), is('purchases.overdueRatio', 'lte', p.atRiskOverdueRatio)] },
  })),
  good('novice', 'Novices', (p) => ({
    description: `Bought a product that needs onboarding in the last ${p.noviceWithinDays} days and has not completed onboarding since.`,
    rule: { all: [
      did('purchase', p.noviceWithinDays, { where: [is('requiresOnboarding', 'eq', true)] }),
      never('onboarding_completed', p.noviceWithinDays),
    ] },
  })),
  good('repeat', 'Repeat customers', (p) => ({
    description: `At least ${p.repeatMinPurchases} purchases, on average at most ${p.repeatMaxIntervalDays} days apart, and not overdue for the next one.`,
    rule: { all: [
      is('purchases.count', 'gte', p.repeatMinPurchases),
      is('purchases.avgIntervalDays', 'lte', p.repeatMaxIntervalDays),
      is('purchases.overdueRatio', 'lte', p.atRiskOverdueRatio),
    ] },
  })),
  bad('at-risk', 'At-risk customers', (p) => ({
    description: `The time since the last purchase is past the average interval between purchases (overdue ratio above ${p.atRiskOverdueRatio}, below ${p.lapsedOverdueRatio}).`,
    rule: { all: [is('purchases.overdueRatio', 'gt', p.atRiskOverdueRatio), is('purchases.overdueRatio', 'lt', p.lapsedOverdueRatio)] },
  })),
  bad('lapsed', 'Lapsed customers', (p) => ({
    description: `Far past their usual interval (overdue ratio ${p.lapsedOverdueRatio} or more), or one-time buyers whose purchase is ${p.lapsedOneTimeBuyerDays}+ days old.`,
    rule: { any: [
      is('purchases.overdueRatio', 'gte', p.lapsedOverdueRatio),
      { all: [is('purchases.count', 'eq', 1), is('purchases.daysSinceLast', 'gte', p.lapsedOneTimeBuyerDays)] },
    ] },
  })),
  bad('unhappy', 'Unhappy customers', (p) => ({
    description: `Complained in the last ${p.unhappyWithinDays} days, or rated satisfaction ${p.unhappyMaxSatisfactionScore} or less (of 5), or NPS ${p.unhappyMaxNpsScore} or less.`,
    rule: { any: [
      did('complaint', p.unhappyWithinDays),
      is('traits.satisfactionScore', 'lte', p.unhappyMaxSatisfactionScore),
      is('traits.npsScore', 'lte', p.unhappyMaxNpsScore),
    ] },
  })),
  great('loyal', 'Loyal customers', (p) => ({
    description: `More than ${p.loyalMoreThanPurchases} purchases, customer for more than ${p.loyalCustomerForDays} days, and bought within the last ${p.loyalBoughtWithinDays} days.`,
    rule: { all: [
      is('purchases.count', 'gt', p.loyalMoreThanPurchases),
      is('purchases.first', 'notInLastDays', p.loyalCustomerForDays),
      is('purchases.last', 'inLastDays', p.loyalBoughtWithinDays),
    ] },
  })),
  great('referral', 'Referrers', (p) => ({
    description: `Customers who referred someone or gave a testimonial in the last ${p.referralWithinDays} days and show no sign of being unhappy.`,
    rule: { all: [
      is('purchases.count', 'gte', 1),
      { any: [did('referral', p.referralWithinDays), did('testimonial', p.referralWithinDays)] },
      ...notUnhappy(p),
    ] },
  })),
  great('advocate', 'Advocates', (p) => ({
    description: `Promoters (NPS ${p.advocateMinNpsScore}+) who speak up: ${p.advocateMinReferrals}+ referrals, ${p.advocateMinReviews}+ reviews rated ${p.advocateMinReviewRating}+, or a testimonial in the last ${p.advocateWithinDays} days.`,
    rule: { all: [
      is('purchases.count', 'gte', 1),
      is('traits.npsScore', 'gte', p.advocateMinNpsScore),
      never('complaint', p.unhappyWithinDays),
      { any: [
        did('referral', p.advocateWithinDays, { min: p.advocateMinReferrals }),
        did('review', p.advocateWithinDays, { where: [is('rating', 'gte', p.advocateMinReviewRating)], min: p.advocateMinReviews }),
        did('testimonial', p.advocateWithinDays),
      ] },
    ] },
  })),
];

function templates(p: LifecycleParameters): LifecycleSegmentTemplate[] {
  return TEMPLATES.map(({ slug, name, category, build }) => ({ slug, name, category, ...build(p) }));
}

/**
 * Which thresholds a template reads: its build run over the defaults through a proxy that records
 * every parameter read (so the list cannot drift from the rule and description).
 */
function parametersRead(template: TemplateBuilder): Array<keyof LifecycleParameters> {
  const read = new Set<keyof LifecycleParameters>();
  const recording = new Proxy({ ...DEFAULT_LIFECYCLE_PARAMETERS }, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.hasOwn(target, key)) read.add(key as keyof LifecycleParameters);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  template.build(recording);
  return (Object.keys(DEFAULT_LIFECYCLE_PARAMETERS) as Array<keyof LifecycleParameters>).filter((key) => read.has(key));
}

/**
 * A template as the catalogue lists it: built with the thresholds in effect, and the names of the
 * thresholds it reads (in LIFECYCLE_PARAMETER_INFO order).
 * @example const t: LifecycleTemplateInfo = { slug: 'new', name: 'New customers', category: 'Good customers', description: 'First purchase within the last 30 days.', rule: { attr: 'purchases.first', op: 'inLastDays', value: 30 }, parameters: ['newWithinDays'] };
 */
export interface LifecycleTemplateInfo extends LifecycleSegmentTemplate {
  parameters: Array<keyof LifecycleParameters>;
}

/**
 * The catalogue of the 13 templates with `params` applied (defaults for the rest): each with its
 * rule, meaning and the thresholds it reads; or every parameter problem with its path.
 * @example
 * const result = describeLifecycleTemplates({ newWithinDays: 45 });
 * if (result.ok) result.templates.find((t) => t.slug === 'new')?.parameters; // ['newWithinDays']
 */
export function describeLifecycleTemplates(
  params?: unknown,
): { ok: true; parameters: LifecycleParameters; templates: LifecycleTemplateInfo[] } | { ok: false; errors: RuleProblem[] } {
  const resolved = resolveLifecycleParameters(params);
  if (!resolved.ok) return resolved;
  const templates = TEMPLATES.map((t) => ({ slug: t.slug, name: t.name, category: t.category, ...t.build(resolved.parameters), parameters: parametersRead(t) }));
  return { ok: true, parameters: resolved.parameters, templates };
}

/**
 * Builds the 13 lifecycle segment templates with the given thresholds (defaults for the rest).
 * Bad parameters are returned as errors with paths (`$.newWithinDays`), never thrown.
 * @example
 * const result = buildLifecycleSegments({ newWithinDays: 60 });
 * if (result.ok) result.segments.find((s) => s.slug === 'new')?.rule; // { all: [{ attr: 'purchases.first', op: 'inLastDays', value: 60 }] }
 */
export function buildLifecycleSegments(params?: Partial<LifecycleParameters>): LifecycleBuildResult {
  const resolved = resolveLifecycleParameters(params);
  return resolved.ok ? { ok: true, segments: templates(resolved.parameters) } : resolved;
}
