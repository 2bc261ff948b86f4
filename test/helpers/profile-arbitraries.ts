/**
 * fast-check arbitraries for the profile evaluator: declared traits of every type, stored profiles
 * (traits present, absent, null or wrongly typed; purchase columns consistent or not; consent and
 * contact combinations; a stored address, a last seen edge geography, both or neither) with their events (timestamps on the window boundaries around `NOW`), and
 * valid profile-scoped rule JSON over traits, computed attributes, event counts and nested groups.
 * Values are drawn from small pools that rules and subjects share, so that conditions match often
 * enough for agreement to mean something.
 */
import fc from 'fast-check';
import type { TraitDefinition } from '../../schema/attributes.js';
import type { AttrValue, EventRecord } from '../../schema/context.js';
import { parseIsoDate } from '../../schema/dates.js';
import type { StoredProfile } from '../../schema/profile.js';
import { DAY_MS, type AttrType } from '../../schema/rule.js';
import { OPERATORS_BY_TYPE } from '../../schema/validate.js';
import { geoArb, geoCondition } from './geo-arbitraries.js';

/** The reference instant; subjects' instants lie around its window boundaries. */
export const NOW = Date.UTC(2026, 10, 23, 12);
export const HOUR = 3_600_000;

/** Evaluation instants: NOW, one millisecond either side (off-by-one at every boundary), midnight. */
export const nowArb = fc.constantFrom(NOW, NOW, NOW + 1, NOW - 1, NOW - 12 * HOUR);

// ---------------------------------------------------------------- catalogue

/** Traits of every type; `constructor` checks that prototype names are never read. */
export const PROPERTY_TRAITS: readonly TraitDefinition[] = [
  { name: 'plan', type: 'string' },
  { name: 'city', type: 'string' },
  { name: 'constructor', type: 'string' },
  { name: 'score', type: 'number' },
  { name: 'ltv', type: 'number' },
  { name: 'vip', type: 'boolean' },
  { name: 'optIn', type: 'boolean' },
  { name: 'birthday', type: 'date' },
  { name: 'renewedAt', type: 'date' },
  { name: 'tags', type: 'stringList' },
  { name: 'interests', type: 'stringList' },
];

const COMPUTED: ReadonlyArray<readonly [string, AttrType]> = [
  ['purchases.count', 'number'],
  ['purchases.total', 'number'],
  ['purchases.first', 'date'],
  ['purchases.last', 'date'],
  ['purchases.avgIntervalDays', 'number'],
  ['purchases.daysSinceLast', 'number'],
  ['purchases.overdueRatio', 'number'],
  ['profile.createdAt', 'date'],
  ['reachable.email', 'boolean'],
  ['reachable.phone', 'boolean'],
];

/** Edge attributes (but geo.*) are valid in a profile-scoped rule and always missing on a stored profile. */
const EDGE: ReadonlyArray<readonly [string, AttrType]> = [
  ['visit.pageViews', 'number'],
  ['visit.isNew', 'boolean'],
  ['visit.firstSeen', 'date'],
];

// ---------------------------------------------------------------- value pools

const iso = (ms: number) => new Date(ms).toISOString();
/** The same instant written at +07:00. */
const isoPlus7 = (ms: number) => `${new Date(ms + 7 * HOUR).toISOString().slice(0, 23)}+07:00`;
/** The same instant written at -00:30, without the colon. */
const isoMinus0030 = (ms: number) => `${new Date(ms - HOUR / 2).toISOString().slice(0, 23)}-0030`;
/** The instant with sub-millisecond digits, which parse by truncation. */
const isoMicros = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}999Z`;

/** Instants around the window boundaries of 0, 1, 7, 30, 31 and 400 days back, and the future. */
export const INSTANTS: readonly number[] = [0, 1, 7, 10, 30, 31, 400]
  .flatMap((d) => [-1, 0, 1, -HOUR, HOUR].map((delta) => NOW - d * DAY_MS + delta))
  .concat([NOW + 1, NOW + DAY_MS, NOW - 12 * HOUR, NOW - 12 * HOUR - 7 * DAY_MS, -1, 0]);
const instant = fc.constantFrom(...INSTANTS);

/** Strings shared by rule values and subjects: LIKE metacharacters, combining marks, astral, newline. */
const STRINGS = ['', 'pro', 'Pro', 'PRO', 'free', ' pro', 'a%b', 'a_b', 'axb', 'a.b', 'a\\b', '[a]', '%', '*', 'caf\u00e9', 'cafe\u0301', '\u{1F600}', 'a\nb', '/pricing', '/pricing/', '/pricing/pro', '/blog/a/b', '2026-11-23', 'Hanoi'];
const SUBSTRINGS = ['', 'p', 'pro', 'Pro', 'o', 'b', '%', '_', '\\', '.', 'caf', '\u00e9', '\u0301', '\u{1F600}', '\n', '/', '/pricing'];
const GLOBS = ['*', '**', '?', '??', 'p*', '*o', 'p?o', 'P*', '/pricing/**', '/pricing/*', '/pricing/?*', '/*', '/**', '**/pro', '/*/*/*', 'caf?', 'caf??', 'a\\b', 'a?b', 'a.b', '[a]', '.*', 'a%b', '*%*', '?\n?', '\u{1F600}', '?', 'a*b', '*\\*'];
const NUMBERS = [-1.5, -1, 0, 0.3, 0.1 + 0.2, 0.5, 1, 1.5, 2, 2.5, 3, 7, 10, 14.5, 30, 31, 99.99, 100, 250.5, 1e21, 1e308, 5e-324];
const DAYS = [1, 7, 30, 31, 400, 3650];
const LIST_STRINGS = ['a', 'b', 'A', '', 'newsletter', 'beta', '%', 'caf\u00e9'];

/** Date values of rules: instants in several spellings and date-only days. */
const RULE_DATES: readonly string[] = [
  ...new Set([
    ...INSTANTS.map(iso),
    ...[0, 7, 30].map((d) => isoPlus7(NOW - d * DAY_MS)),
    '2026-11-16',
    '2026-11-23',
    '2026-10-24',
    '2026-10-23',
    '2025-10-19',
    '1969-12-31T23:59:59.999Z',
    '2026-11-23T12:00:00.0009Z',
    '2026-11-23 12:00',
  ]),
];

/** Date values of subjects: valid in every spelling the language accepts. */
const goodDate: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: instant.map(iso), weight: 4 },
  { arbitrary: instant.map(isoPlus7), weight: 2 },
  { arbitrary: instant.map(isoMinus0030), weight: 1 },
  { arbitrary: instant.map(isoMicros), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '2026-11-16',
      '2026-11-23',
      '2026-10-24',
      '2026-11-24',
      '2026-11-23T12:00',
      '2026-11-23 12:00:00Z',
      '2026-11-16T12:00:00+0000',
      '2024-02-29',
      '0001-01-01',
      '1969-12-31T23:59:59.999Z',
      '2026-11-23T12:00:00.1234567Z',
      '2026-11-24T02:00:00+14:00',
    ),
    weight: 2,
  },
);
/** Strings that look like dates and are not (calendar, ranges, shape). */
const BAD_DATES = ['2026-02-30', '2025-02-29', '2026-13-01', '0000-01-01', '2026-11-23T24:00:00Z', '2026-11-23T12:00:60Z', '2026-11-23T12:00:00+24:00', '2026-11-23t12:00:00z', '2026-11-23\n', ' 2026-11-23', '20261123', '2026-11-23T12', '2026-11-23T12:00:00.Z', '2026-11-23T12:00:00.1234567890Z', '2026-11-23T12:00:00+07', 'not a date'];

/** Values of some other type than expected, for any trait or property. */
const WRONG: readonly unknown[] = [42, 0, '3', 'true', '', true, false, ['a'], [], [1, 2], { a: 1 }, {}, 'not a date', '2026-02-30', 1795392000000];

const STRING_LISTS: readonly unknown[] = [[], ['a'], ['a', 'b'], ['A'], ['newsletter', 'beta'], [''], ['caf\u00e9', 'cafe\u0301'], ['a', 'a'], ['%'], ['b', 'newsletter', 'a']];
const BAD_LISTS: readonly unknown[] = [['a', 1], ['a', null], [['a']], [true], 'a', { a: 'a' }];

function goodValue(type: AttrType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return fc.constantFrom(...STRINGS);
    case 'number':
      return fc.constantFrom(...NUMBERS, -0, 1e-7);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return goodDate;
    case 'stringList':
      return fc.constantFrom(...STRING_LISTS);
  }
}

function wrongValue(type: AttrType): fc.Arbitrary<unknown> {
  if (type === 'date') return fc.oneof(fc.constantFrom(...BAD_DATES), fc.constantFrom(...WRONG));
  if (type === 'stringList') return fc.oneof(fc.constantFrom(...BAD_LISTS), fc.constantFrom(...WRONG));
  return fc.constantFrom(...WRONG);
}

const ABSENT = Symbol('absent');
/** A stored value for an attribute of `type`: usually good, else absent, JSON null or wrongly typed. */
function storedValue(type: AttrType): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: goodValue(type), weight: 6 },
    { arbitrary: fc.constant(ABSENT), weight: 2 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: wrongValue(type), weight: 2 },
  );
}

function record(entries: ReadonlyArray<readonly [string, fc.Arbitrary<unknown>]>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(...entries.map(([, arb]) => arb)).map((values) => {
    const out: Record<string, unknown> = {};
    values.forEach((v, i) => {
      // defineProperty: a plain assignment to `constructor` would still be own, but be explicit.
      if (v !== ABSENT) Object.defineProperty(out, entries[i]![0], { value: v, enumerable: true, writable: true, configurable: true });
    });
    return out;
  });
}

// ---------------------------------------------------------------- subjects



const traitsArb = record(PROPERTY_TRAITS.map((t) => [t.name, storedValue(t.type)] as const));

/** Purchase columns: as the API keeps them (consistent), or anything the columns can hold. */
const purchasesArb: fc.Arbitrary<Pick<StoredProfile, 'purchaseCount' | 'purchaseTotal' | 'firstPurchaseAt' | 'lastPurchaseAt' | 'avgIntervalDays'>> = fc.oneof(
  fc
    .record({
      count: fc.constantFrom(0, 1, 2, 2, 3, 5),
      last: instant,
      gapDays: fc.constantFrom(0, 1, 7, 10.5, 30),
      total: fc.constantFrom(10, 99.99, 100, 250.5, 0.1 + 0.2),
    })
    .map(({ count, last, gapDays, total }) => {
      if (count === 0) return { purchaseCount: 0, purchaseTotal: 0, firstPurchaseAt: null, lastPurchaseAt: null, avgIntervalDays: null };
      const first = last - Math.round(gapDays * DAY_MS) * (count - 1);
      return {
        purchaseCount: count,
        purchaseTotal: total,
        firstPurchaseAt: first,
        lastPurchaseAt: last,
        avgIntervalDays: count >= 2 ? (last - first) / DAY_MS / (count - 1) : null,
      };
    }),
  fc.record({
    purchaseCount: fc.constantFrom(-1, 0, 1, 2, 3, 7),
    purchaseTotal: fc.constantFrom(...NUMBERS.filter((n) => Math.abs(n) < 1e300), -0),
    firstPurchaseAt: fc.option(instant, { nil: null }),
    lastPurchaseAt: fc.option(instant, { nil: null }),
    avgIntervalDays: fc.constantFrom(null, 0, -2, 0.1, 1, 7, 10, 14.5, 30, 1 / 3),
  }),
);

export const EVENT_NAMES = ['purchase', 'signup', 'page_view', 'email_click', 'Purchase'] as const;

/** Event properties, with the type each usually has. */
const PROPERTIES: ReadonlyArray<readonly [string, AttrType]> = [
  ['amount', 'number'],
  ['sku', 'string'],
  ['plan', 'string'],
  ['paidAt', 'date'],
  ['coupon', 'boolean'],
  ['items', 'stringList'],
  ['path', 'string'],
  ['host', 'string'],
];
const PAGE_VIEW_PROPS = ['path', 'host', 'url', 'referrer'] as const;

const eventArb: fc.Arbitrary<EventRecord> = fc
  .record({
    name: fc.constantFrom(...EVENT_NAMES),
    at: instant,
    properties: record([...PROPERTIES, ['url', 'string'], ['referrer', 'string']].map(([name, type]) => [name, fc.oneof({ arbitrary: fc.constant(ABSENT), weight: 2 }, { arbitrary: storedValue(type as AttrType), weight: 3 })] as const)),
  })
  .map(({ name, at, properties }) => ({ name, at, properties: properties as Record<string, AttrValue> }));

const profileArb: fc.Arbitrary<StoredProfile> = fc
  .record({
    traits: traitsArb,
    createdAt: fc.oneof(instant, fc.constantFrom(-365 * DAY_MS + 1, NOW - 7 * DAY_MS + 1)),
    email: fc.constantFrom(null, '', 'someone@example.com'),
    phone: fc.constantFrom(null, '', '+84912345678'),
    consentEmail: fc.boolean(),
    consentSms: fc.boolean(),
    purchases: purchasesArb,
    geo: geoArb,
  })
  .map(({ purchases, geo, ...rest }) => {
    const profile: StoredProfile = { ...rest, ...purchases };
    if (geo.address !== undefined) profile.address = geo.address;
    if (geo.seenGeo !== undefined) profile.seenGeo = geo.seenGeo;
    return profile;
  });

export interface ProfileSubject {
  profile: StoredProfile;
  events: EventRecord[];
}

/** A profile with 0 to 8 events. */
export const subjectArb: fc.Arbitrary<ProfileSubject> = fc.record({ profile: profileArb, events: fc.array(eventArb, { maxLength: 8 }) });

/** Subjects every run includes: nothing at all, and every trait JSON null. */
export const CORNER_SUBJECTS: readonly ProfileSubject[] = [
  {
    profile: { traits: {}, createdAt: NOW, email: null, phone: null, consentEmail: false, consentSms: false, purchaseCount: 0, purchaseTotal: 0, firstPurchaseAt: null, lastPurchaseAt: null, avgIntervalDays: null },
    events: [],
  },
  {
    profile: {
      traits: Object.fromEntries(PROPERTY_TRAITS.map((t) => [t.name, null])),
      createdAt: NOW - 7 * DAY_MS,
      email: 'someone@example.com',
      phone: '+84912345678',
      consentEmail: true,
      consentSms: true,
      purchaseCount: 2,
      purchaseTotal: 0,
      firstPurchaseAt: NOW - 20 * DAY_MS,
      lastPurchaseAt: NOW - 10 * DAY_MS,
      avgIntervalDays: 10,
    },
    events: [{ name: 'purchase', at: NOW - 7 * DAY_MS, properties: { amount: null, sku: null } }],
  },
];

// ---------------------------------------------------------------- rules

function scalarOf(type: AttrType): fc.Arbitrary<string | number | boolean> {
  switch (type) {
    case 'string':
      return fc.constantFrom(...STRINGS);
    case 'number':
      return fc.constantFrom(...NUMBERS);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.constantFrom(...RULE_DATES);
    case 'stringList':
      return fc.constantFrom(...LIST_STRINGS);
  }
}

const sortKey = (v: string | number | boolean) => (typeof v === 'string' ? (parseIsoDate(v) ?? 0) : Number(v));
const sortedPair = (a: fc.Arbitrary<string | number | boolean>) => fc.tuple(a, a).map(([x, y]) => (sortKey(x) <= sortKey(y) ? [x, y] : [y, x]));

/** A valid condition `{ attr, op, value? }` for an attribute or property of `type`. */
function conditionFor(attr: string, type: AttrType, op: string): fc.Arbitrary<Record<string, unknown>> {
  const scalar = scalarOf(type);
  switch (op) {
    case 'exists':
    case 'notExists':
      return fc.constant({ attr, op });
    case 'in':
    case 'notIn':
    case 'hasAny':
    case 'hasAll':
    case 'hasNone':
      return fc.array(scalar, { minLength: 1, maxLength: 3 }).map((value) => ({ attr, op, value }));
    case 'between':
      return sortedPair(scalar).map((value) => ({ attr, op, value }));
    case 'inLastDays':
    case 'notInLastDays':
      return fc.constantFrom(...DAYS).map((value) => ({ attr, op, value }));
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return fc.constantFrom(...SUBSTRINGS).map((value) => ({ attr, op, value }));
    case 'matches':
      return fc.constantFrom(...GLOBS).map((value) => ({ attr, op, value }));
    default:
      return scalar.map((value) => ({ attr, op, value }));
  }
}

const byType = (attrs: ReadonlyArray<readonly [string, AttrType]>) =>
  fc.constantFrom(...attrs.flatMap(([attr, type]) => OPERATORS_BY_TYPE[type].map((op) => [attr, type, op] as const))).chain(([attr, type, op]) => conditionFor(attr, type, op));

const traitCondition = byType(PROPERTY_TRAITS.map((t) => [`traits.${t.name}`, t.type] as const));
const computedCondition = byType(COMPUTED);
const edgeCondition = byType(EDGE);

/**
 * Operators an event property accepts by the type its value implies (validation infers it:
 * ordering and day counts on strings are dates, `eq` on a string is a string comparison).
 */
const PROPERTY_OPS: Readonly<Record<AttrType, readonly string[]>> = {
  string: OPERATORS_BY_TYPE.string,
  number: OPERATORS_BY_TYPE.number.filter((op) => op !== 'exists' && op !== 'notExists'),
  boolean: ['eq', 'neq'],
  date: ['gt', 'gte', 'lt', 'lte', 'between', 'inLastDays', 'notInLastDays'],
  stringList: OPERATORS_BY_TYPE.stringList.filter((op) => op !== 'exists' && op !== 'notExists'),
};
const ALL_TYPES: readonly AttrType[] = ['string', 'number', 'boolean', 'date', 'stringList'];

/** A `where` condition on a property of a non-page_view event: usually of its own type, sometimes another. */
const propertyCondition = fc
  .tuple(fc.constantFrom(...PROPERTIES, ['ghost', 'string'] as const, ['constructor', 'string'] as const), fc.nat({ max: 3 }), fc.constantFrom(...ALL_TYPES))
  .chain(([[attr, own], roll, other]) => {
    const type = roll === 0 ? other : own;
    return fc.constantFrom(...PROPERTY_OPS[type]).chain((op) => conditionFor(attr, type, op));
  });
const pageViewCondition = fc
  .tuple(fc.constantFrom(...PAGE_VIEW_PROPS), fc.constantFrom(...OPERATORS_BY_TYPE.string))
  .chain(([attr, op]) => conditionFor(attr, 'string', op));

const eventRule: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    event: fc.constantFrom(...EVENT_NAMES, 'never_seen'),
    hasWhere: fc.boolean(),
    whereSeed: fc.array(fc.tuple(propertyCondition, pageViewCondition), { maxLength: 2 }),
    min: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
    max: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
    inLastDays: fc.option(fc.constantFrom(...DAYS), { nil: undefined }),
  })
  .map(({ event, hasWhere, whereSeed, min, max, inLastDays }) => {
    const rule: Record<string, unknown> = { event };
    if (hasWhere) rule.where = whereSeed.map(([other, pageView]) => (event === 'page_view' ? pageView : other));
    if (min !== undefined) rule.min = min;
    if (max !== undefined && (min ?? 1) <= max) rule.max = max;
    if (inLastDays !== undefined) rule.inLastDays = inLastDays;
    return rule;
  });

/** Random valid rule JSON (profile-scoped or not: the caller keeps the profile-scoped ones). */
export const { rule: ruleJsonArb } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { arbitrary: traitCondition, weight: 6 },
    { arbitrary: computedCondition, weight: 4 },
    { arbitrary: eventRule, weight: 4 },
    { arbitrary: edgeCondition, weight: 1 },
    { arbitrary: geoCondition, weight: 3 },
    { arbitrary: fc.array(tie('rule'), { maxLength: 4 }).map((all) => ({ all })), weight: 3 },
    { arbitrary: fc.array(tie('rule'), { maxLength: 4 }).map((any) => ({ any })), weight: 3 },
    { arbitrary: tie('rule').map((not) => ({ not })), weight: 2 },
  ),
}));
