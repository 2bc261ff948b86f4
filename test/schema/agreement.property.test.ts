/**
 * Property tests: random valid edge rules and random edge contexts, where the compiled ruleset
 * (after a JSON round trip) must agree with the reference evaluator on every pair; and random JSON
 * (plain, hostile keys, mutated valid rules) into validateRule, which must never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTINENTS, DEVICE_TYPES } from '../../schema/attributes.js';
import type { AttrValue, EvalContext, EventRecord } from '../../schema/context.js';
import { evaluateRule } from '../../schema/reference.js';
import { DAY_MS, type RuleNode } from '../../schema/rule.js';
import { compileRuleset, evaluateRuleset, prepareRuleset } from '../../schema/ruleset.js';
import { validateRule } from '../../schema/validate.js';
import { caseCatalogue, env, library, publishedSegments } from '../helpers/cases.js';

const NOW = Date.UTC(2026, 10, 23, 12);
const HOUR = 3_600_000;
const RULES_PER_RUN = 6;
const CONTEXTS_PER_RUN = 24;
const RUNS = 1000;

// ---------------------------------------------------------------- values
const iso = (ms: number) => new Date(ms).toISOString();
/** The same instant written at +07:00. */
const isoPlus7 = (ms: number) => `${new Date(ms + 7 * HOUR).toISOString().slice(0, 23)}+07:00`;
/** Instants around the window boundaries of 1, 7 and 30 days, now, and the future. */
const INSTANTS = [0, 1, 7, 8, 30, 31, 400].flatMap((d) => [-1, 0, 1, -HOUR].map((delta) => NOW - d * DAY_MS + delta)).concat([NOW + 1, NOW + DAY_MS]);
const DATE_VALUES = [...new Set([...INSTANTS.map(iso), '2026-11-16', '2026-11-23', '2026-10-24', '2026-11-23T12:00:00+07:00'])];
const dateAttr = fc.oneof(
  fc.constantFrom(...INSTANTS).map(iso),
  fc.constantFrom(...INSTANTS).map(isoPlus7),
  fc.constantFrom('2026-11-16', '2026-11-23', '2026-10-24', '2026-11-24'),
);
const NUMBERS = [-1.5, 0, 1, 2, 2.5, 3, 7, 23, 100];
const HOURS = [0, 1, 9, 17, 23];
const STRINGS = ['', '/', '/pricing', '/pricing/', '/pricing/pro', '/blog/a/b', 'google', 'Google', '50%', 'a_b', 'a\\b', 'caf\u00e9', 'cafe\u0301', '\u{1F600}'];
const SUBSTRINGS = ['', '/', 'pricing', 'Pricing', '%', '_', '\\', 'caf', '\u00e9', 'g', '/blog/'];
const GLOBS = ['/pricing/**', '/pricing/*', '/p?icing', '*', '**', '/blog/*/b', '/*/*', '*.pdf', '/a\\*', '?', '/?', 'caf?', '**/b', '/pricing'];
const COUNTRIES = ['VN', 'TH', 'US'];
const SLUGS = [...library.infos.keys()];

type Kind = 'string' | 'country' | 'device' | 'continent' | 'number' | 'hour' | 'boolean' | 'date';
const ATTRS: Array<[string, Kind]> = [
  ['geo.country', 'country'],
  ['geo.continent', 'continent'],
  ['device.type', 'device'],
  ['page.path', 'string'],
  ['utm.source', 'string'],
  ['page.query.ref', 'string'],
  ['visit.pageViews', 'number'],
  ['time.hour', 'hour'],
  ['visit.isNew', 'boolean'],
  ['visit.firstSeen', 'date'],
  ['visit.lastSeen', 'date'],
];

/** Rule values from which an operator draws, by attribute kind. */
function scalarOf(kind: Kind): fc.Arbitrary<string | number | boolean> {
  switch (kind) {
    case 'country':
      return fc.constantFrom(...COUNTRIES);
    case 'device':
      return fc.constantFrom(...DEVICE_TYPES);
    case 'continent':
      return fc.constantFrom(...CONTINENTS);
    case 'string':
      return fc.constantFrom(...STRINGS);
    case 'number':
      return fc.constantFrom(...NUMBERS);
    case 'hour':
      return fc.constantFrom(...HOURS);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.constantFrom(...DATE_VALUES);
  }
}

/** Context values of the right type for an attribute kind. */
function goodValueOf(kind: Kind): fc.Arbitrary<AttrValue> {
  switch (kind) {
    case 'country':
      return fc.constantFrom('VN', 'TH', 'US', 'vn', '');
    case 'device':
      return fc.constantFrom('mobile', 'desktop', 'tablet', 'Mobile');
    case 'continent':
      return fc.constantFrom('AS', 'EU', 'as');
    case 'date':
      return dateAttr;
    case 'hour':
      return fc.constantFrom(...HOURS, 12);
    default:
      return scalarOf(kind);
  }
}

const wrongValue: fc.Arbitrary<AttrValue> = fc.constantFrom<AttrValue>(42, '3', true, false, ['VN'], [], 'not a date', '2026-02-30', 0);

const sortedPair = (a: fc.Arbitrary<string | number | boolean>) =>
  fc.tuple(a, a).map(([x, y]) => {
    const key = (v: string | number | boolean) => (typeof v === 'string' ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v) : Number(v));
    return key(x) <= key(y) ? [x, y] : [y, x];
  });

const OPS: Record<Kind, string[]> = {
  string: ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'matches', 'exists', 'notExists'],
  country: ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'matches', 'exists', 'notExists'],
  device: ['eq', 'neq', 'in', 'notIn', 'matches', 'exists', 'notExists'],
  continent: ['eq', 'in', 'notIn', 'notExists'],
  number: ['eq', 'neq', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists'],
  hour: ['eq', 'in', 'gte', 'lt', 'between'],
  boolean: ['eq', 'neq', 'exists', 'notExists'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inLastDays', 'notInLastDays', 'exists', 'notExists'],
};

function conditionFor(attr: string, kind: Kind, op: string): fc.Arbitrary<unknown> {
  const scalar = scalarOf(kind);
  const literal = kind === 'string' || kind === 'country' || kind === 'device';
  switch (op) {
    case 'exists':
    case 'notExists':
      return fc.constant({ attr, op });
    case 'in':
    case 'notIn':
      return fc.array(scalar, { minLength: 1, maxLength: 3 }).map((value) => ({ attr, op, value }));
    case 'between':
      return sortedPair(scalar).map((value) => ({ attr, op, value }));
    case 'inLastDays':
    case 'notInLastDays':
      return fc.constantFrom(1, 7, 30).map((value) => ({ attr, op, value }));
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return fc.constantFrom(...SUBSTRINGS, ...(literal ? ['V', 'N'] : [])).map((value) => ({ attr, op, value }));
    case 'matches':
      return fc.constantFrom(...GLOBS, 'V?', '*N', 'mob*').map((value) => ({ attr, op, value }));
    default:
      return scalar.map((value) => ({ attr, op, value }));
  }
}

const condition: fc.Arbitrary<unknown> = fc
  .constantFrom(...ATTRS.flatMap(([attr, kind]) => OPS[kind].map((op) => [attr, kind, op] as const)))
  .chain(([attr, kind, op]) => conditionFor(attr, kind, op));

const PROPERTIES: Array<[string, string[]]> = [
  ['path', ['eq', 'neq', 'in', 'startsWith', 'matches', 'matches', 'exists', 'notExists']],
  ['host', ['eq', 'neq', 'endsWith', 'notExists']],
  ['referrer', ['exists', 'notExists', 'contains']],
];
const whereCondition: fc.Arbitrary<unknown> = fc
  .constantFrom(...PROPERTIES.flatMap(([attr, ops]) => ops.map((op) => [attr, op] as const)))
  .chain(([attr, op]) => {
    if (attr === 'host' && (op === 'eq' || op === 'neq')) return fc.constantFrom('shop.example', 'blog.example').map((value) => ({ attr, op, value }));
    if (attr === 'host') return op === 'notExists' ? fc.constant({ attr, op }) : fc.constant({ attr, op, value: '.example' });
    return conditionFor(attr, 'string', op);
  });

const pageViewRule: fc.Arbitrary<unknown> = fc
  .record({
    where: fc.option(fc.array(whereCondition, { maxLength: 2 }), { nil: undefined }),
    min: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
    max: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
    inLastDays: fc.option(fc.constantFrom(1, 7, 30), { nil: undefined }),
  })
  .map(({ where, min, max, inLastDays }) => {
    const rule: Record<string, unknown> = { event: 'page_view' };
    if (where !== undefined) rule.where = where;
    if (min !== undefined) rule.min = min;
    if (max !== undefined && (min ?? 1) <= max) rule.max = max;
    if (inLastDays !== undefined) rule.inLastDays = inLastDays;
    return rule;
  });

const segmentRef = fc.constantFrom(...SLUGS).map((segment) => ({ segment }));

const { rule: edgeRule } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { arbitrary: condition, weight: 6 },
    { arbitrary: pageViewRule, weight: 2 },
    { arbitrary: segmentRef, weight: 1 },
    { arbitrary: fc.array(tie('rule'), { maxLength: 4 }).map((all) => ({ all })), weight: 2 },
    { arbitrary: fc.array(tie('rule'), { maxLength: 4 }).map((any) => ({ any })), weight: 2 },
    { arbitrary: tie('rule').map((not) => ({ not })), weight: 1 },
  ),
}));

// ---------------------------------------------------------------- contexts
const attrValue = (kind: Kind): fc.Arbitrary<AttrValue | 'missing'> =>
  fc.oneof({ arbitrary: goodValueOf(kind), weight: 6 }, { arbitrary: fc.constant<'missing'>('missing'), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: wrongValue, weight: 1 });

const attributes = fc.tuple(...ATTRS.map(([, kind]) => attrValue(kind))).map((values) => {
  const out: Record<string, AttrValue> = {};
  values.forEach((v, i) => {
    if (v !== 'missing') out[(ATTRS[i] as [string, Kind])[0]] = v;
  });
  return out;
});

const pageView: fc.Arbitrary<EventRecord> = fc
  .record({
    name: fc.constantFrom('page_view', 'page_view', 'page_view', 'page_view', 'purchase', 'Page_View'),
    at: fc.constantFrom(...INSTANTS),
    path: fc.oneof({ arbitrary: fc.constantFrom(...STRINGS), weight: 8 }, { arbitrary: fc.constantFrom<AttrValue>(undefined, null, 7), weight: 1 }),
    host: fc.constantFrom<AttrValue>('shop.example', 'blog.example', undefined),
    referrer: fc.constantFrom<AttrValue>(undefined, 'https://www.google.com/'),
  })
  .map(({ name, at, path, host, referrer }) => {
    const properties: Record<string, AttrValue> = { path };
    if (host !== undefined) properties.host = host;
    if (referrer !== undefined) properties.referrer = referrer;
    return { name, at, properties };
  });

const context: fc.Arbitrary<EvalContext> = fc.record({
  attributes,
  events: fc.array(pageView, { maxLength: 6 }),
  memberships: fc.subarray(SLUGS, { maxLength: 3 }),
});

const nowArb = fc.constantFrom(NOW, NOW + 1, NOW - DAY_MS / 2, Date.UTC(2026, 10, 23));

// ---------------------------------------------------------------- agreement
function validated(json: unknown): RuleNode {
  const result = validateRule(json, caseCatalogue, { segments: library.infos });
  if (!result.ok) throw new Error(`generated rule is invalid: ${JSON.stringify(json)}: ${JSON.stringify(result.errors)}`);
  if (result.scope !== 'edge') throw new Error(`generated rule is not edge-scoped: ${JSON.stringify(json)}`);
  return result.rule;
}

describe('compiled edge ruleset agrees with the reference evaluator', () => {
  it(`on ${RUNS} x ${RULES_PER_RUN} rules x ${CONTEXTS_PER_RUN} contexts`, () => {
    const lib = publishedSegments();
    const edgeLibrary = lib.filter((s) => s.scope === 'edge').map((s) => s.slug);
    const reference = env('edge');
    let pairs = 0;
    let matched = 0;
    fc.assert(
      fc.property(
        fc.array(edgeRule, { minLength: RULES_PER_RUN, maxLength: RULES_PER_RUN }),
        fc.array(context, { minLength: CONTEXTS_PER_RUN, maxLength: CONTEXTS_PER_RUN }),
        nowArb,
        (jsons, contexts, now) => {
          const rules = jsons.map(validated);
          const segments = [...lib, ...rules.map((rule, i) => ({ slug: `r${i}`, rule, scope: 'edge' as const }))];
          const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(segments, { version: 'p' }))));
          if (!prepared.ok) throw new Error(prepared.errors.join('; '));
          for (const ctx of contexts) {
            const tags = new Set(evaluateRuleset(prepared.ruleset, ctx, now));
            rules.forEach((rule, i) => {
              const expected = evaluateRule(rule, ctx, now, reference);
              if (tags.has(`r${i}`) !== expected) {
                throw new Error(`disagreement (reference ${expected}) on ${JSON.stringify(jsons[i])} with ${JSON.stringify(ctx)} at ${iso(now)}`);
              }
              pairs++;
              if (expected) matched++;
            });
            for (const slug of edgeLibrary) {
              if (tags.has(slug) !== evaluateRule({ kind: 'segment', slug }, ctx, now, reference)) {
                throw new Error(`library segment ${slug} disagrees on ${JSON.stringify(ctx)} at ${iso(now)}`);
              }
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(pairs).toBeGreaterThanOrEqual(10_000);
    // Neither outcome is rare, so agreement is not won by always answering the same.
    expect(matched / pairs).toBeGreaterThan(0.2);
    expect(matched / pairs).toBeLessThan(0.8);
    console.log(`agreement: ${pairs} rule/context pairs, ${matched} matches`);
  });
});

// ---------------------------------------------------------------- validateRule never throws
const RULE_KEYS = ['all', 'any', 'not', 'attr', 'op', 'value', 'event', 'where', 'min', 'max', 'inLastDays', 'segment', '__proto__', 'constructor', 'prototype'];

/** JSON with own `__proto__` keys, as JSON.parse produces them. */
const hostileJson: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 4 })
  .chain((value) => fc.constantFrom(...RULE_KEYS).map((key) => JSON.parse(`{"${key}": ${JSON.stringify(value)}, "__proto__": {"all": []}}`) as unknown));

type Mutation = [path: number, action: 'replace' | 'delete' | 'add' | 'proto' | 'wrap', value: unknown, key: string];

/** Applies one mutation to a copy of `json`, at the node numbered `target` (modulo the node count) in a depth-first walk. */
function mutate(json: unknown, [target, action, value, key]: Mutation): unknown {
  let total = 0;
  const count = (node: unknown): void => {
    total++;
    if (node !== null && typeof node === 'object') for (const v of Object.values(node)) count(v);
  };
  count(json);
  const chosen = target % total;
  let counter = 0;
  const visit = (node: unknown): unknown => {
    if (counter++ === chosen) {
      if (action === 'replace') return value;
      if (action === 'wrap') return [node];
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return value;
      const copy = { ...(node as Record<string, unknown>) };
      const keys = Object.keys(copy);
      if (action === 'delete' && keys.length > 0) delete copy[keys[target % keys.length] as string];
      if (action === 'add') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
      // An own `__proto__` key, as JSON.parse makes it (an object literal would set the prototype).
      if (action === 'proto') return JSON.parse(`{"__proto__": ${JSON.stringify(value) ?? 'null'}, ${JSON.stringify(copy).slice(1)}`.replace(/, \}$/, '}')) as unknown;
      return copy;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  return visit(json);
}

const mutation: fc.Arbitrary<Mutation> = fc.tuple(
  fc.nat({ max: 40 }),
  fc.constantFrom('replace', 'delete', 'add', 'proto', 'wrap'),
  fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(Number.NaN, Infinity, -0, 1e308, '', 'x'.repeat(600), [], {})),
  fc.constantFrom(...RULE_KEYS, 'valeu', ''),
);

const validationContexts = [{ segments: library.infos }, { segments: library.infos, selfSlug: 'mobile' }, { segments: new Map() }];

describe('validateRule never throws', () => {
  const check = (input: unknown) => {
    for (const ctx of validationContexts) {
      const result = validateRule(input, caseCatalogue, ctx);
      if (result.ok) expect(result.rule).toBeDefined();
      else expect(result.errors.length).toBeGreaterThan(0);
    }
  };

  it('on random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => check(v)), { numRuns: 2000 });
  });

  it('on objects with rule keys and __proto__ keys', () => {
    fc.assert(fc.property(hostileJson, (v) => check(v)), { numRuns: 1000 });
  });

  it('on mutated valid rules', () => {
    fc.assert(fc.property(edgeRule, fc.array(mutation, { minLength: 1, maxLength: 3 }), (rule, mutations) => check(mutations.reduce(mutate, rule))), {
      numRuns: 2000,
    });
  });

  it('on deep and wide inputs', () => {
    let deep: unknown = { attr: 'geo.city', op: 'exists' };
    for (let i = 0; i < 5_000; i++) deep = { not: deep };
    check(deep);
    check({ any: Array.from({ length: 5_000 }, () => ({ attr: 'geo.city', op: 'exists' })) });
    check({ attr: 'geo.country', op: 'in', value: Array.from({ length: 5_000 }, () => 'VN') });
  });
});
