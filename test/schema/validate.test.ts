import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCatalogue, PAGE_VIEW_EVENT } from '../../schema/attributes.js';
import { parseIsoDate } from '../../schema/dates.js';
import { OPERATORS, type RuleNode } from '../../schema/rule.js';
import { formatPath, validateRule, type RuleProblem, type SegmentInfo, type ValidationContext } from '../../schema/validate.js';

const catalogue = buildCatalogue([
  { name: 'plan', type: 'string' },
  { name: 'age', type: 'number' },
  { name: 'vip', type: 'boolean' },
  { name: 'signedUpAt', type: 'date' },
  { name: 'interests', type: 'stringList' },
]);

const segment = (status: SegmentInfo['status'], scope: SegmentInfo['scope'], references: string[] = []): SegmentInfo => ({ status, scope, references });
const segments = new Map<string, SegmentInfo>([
  ['enterprise-customers', segment('published', 'profile')],
  ['mobile-visitors', segment('published', 'edge')],
  ['old-campaign', segment('archived', 'edge')],
  ['next-campaign', segment('draft', 'edge')],
  ['loyal', segment('published', 'profile', ['vip'])],
  ['big-spenders', segment('published', 'profile', ['loyal'])],
  ['x', segment('published', 'edge', ['y'])],
  ['y', segment('published', 'edge', ['x'])],
]);
const context: ValidationContext = { segments };

function validate(input: unknown, ctx: ValidationContext = context) {
  return validateRule(input, catalogue, ctx);
}

function errorsOf(input: unknown, ctx: ValidationContext = context): RuleProblem[] {
  const result = validate(input, ctx);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(input)}`);
  return result.errors;
}

function ruleOf(input: unknown, ctx: ValidationContext = context): RuleNode {
  const result = validate(input, ctx);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.rule;
}

const cond = (attr: string, op: string, value?: unknown) => (value === undefined ? { attr, op } : { attr, op, value });
const nested = (levels: number, leaf: unknown): unknown => {
  let rule = leaf;
  for (let i = 0; i < levels; i++) rule = { not: rule };
  return rule;
};

// [name, input, path, code, message]: each input has exactly this one problem.
const rejections: Array<[string, unknown, string, string, RegExp]> = [
  ['a number', 42, '$', 'not_object', /must be an object.*got a number/],
  ['null', null, '$', 'not_object', /got null/],
  ['a list', [], '$', 'not_object', /got a list/],
  ['undefined', undefined, '$', 'not_object', /got nothing/],
  ['a string in a group', { all: ['x'] }, '$.all[0]', 'not_object', /got 'x'/],
  ['no kind key', {}, '$', 'rule_kind', /exactly one of all, any, not, attr, event, segment; found none/],
  ['only unknown keys', { foo: 1 }, '$', 'rule_kind', /found only 'foo'/],
  ['two kind keys', { all: [], attr: 'geo.city' }, '$', 'rule_kind', /found all and attr/],
  ['unknown key in a condition', { ...cond('geo.city', 'eq', 'Hanoi'), valeu: 1 }, '$.valeu', 'unknown_key', /Unknown key 'valeu' in a condition; did you mean 'value'/],
  ['unknown key in a group', { all: [], extra: true }, '$.extra', 'unknown_key', /Unknown key 'extra'.*allowed keys: all/],
  ['unknown key in an event', { event: 'purchase', since: 3 }, '$.since', 'unknown_key', /'since' in an event rule/],
  ['unknown key in a segment ref', { segment: 'loyal', min: 1 }, '$.min', 'unknown_key', /'min' in a segment reference/],
  ['odd key', { any: [], 'odd key': 1 }, '$["odd key"]', 'unknown_key', /'odd key'/],
  ['__proto__ from JSON', JSON.parse('{"attr":"geo.city","op":"exists","__proto__":{"x":1}}'), '$.__proto__', 'forbidden_key', /'__proto__' is not allowed/],
  ['constructor', { any: [], constructor: 1 }, '$.constructor', 'forbidden_key', /'constructor' is not allowed/],
  ['nested prototype', { not: { segment: 'loyal', prototype: {} } }, '$.not.prototype', 'forbidden_key', /'prototype'/],
  ['__proto__ in where', { event: 'x', where: [JSON.parse('{"attr":"a","op":"exists","__proto__":1}')] }, '$.where[0].__proto__', 'forbidden_key', /__proto__/],
  ['unknown attribute', cond('geo.cuntry', 'eq', 'VN'), '$.attr', 'unknown_attribute', /^Unknown attribute 'geo.cuntry'; did you mean 'geo.country'\? The geography attributes are geo.country, geo.region, geo.city, geo.continent, geo.postalCode, geo.timezone$/],
  ['unknown geo attribute, an alias', { all: [cond('purchases.count', 'gte', 1), cond('geo.postcode', 'eq', '10115')] }, '$.all[1].attr', 'unknown_attribute', /^Unknown attribute 'geo.postcode'; did you mean 'geo.postalCode'\? The geography attributes are geo.country, /],
  ['unknown geo attribute, state', cond('geo.State', 'eq', 'HN'), '$.attr', 'unknown_attribute', /did you mean 'geo.region'/],
  ['unknown geo attribute, no hint', { not: cond('geo.weather', 'eq', 'rain') }, '$.not.attr', 'unknown_attribute', /^Unknown attribute 'geo.weather'\. The geography attributes are geo.country, geo.region, geo.city/],
  ['unknown geo attribute, prototype name', cond('geo.constructor', 'exists'), '$.attr', 'unknown_attribute', /^Unknown attribute 'geo.constructor'/],
  ['unknown attribute, suffix hint', cond('country', 'eq', 'VN'), '$.attr', 'unknown_attribute', /did you mean 'geo.country'/],
  ['unknown attribute, no hint', cond('foo.bar', 'exists'), '$.attr', 'unknown_attribute', /^Unknown attribute 'foo.bar'$/],
  ['undeclared trait', cond('traits.tier', 'eq', 'gold'), '$.attr', 'undeclared_trait', /^traits.tier is not a declared trait/],
  ['misspelt trait', cond('traits.pla', 'eq', 'pro'), '$.attr', 'undeclared_trait', /did you mean 'traits.plan'/],
  ['attr not a string', cond(5 as never, 'eq', 1), '$.attr', 'invalid_attribute', /must name an attribute.*got a number/],
  ['attr too long', cond('a'.repeat(513), 'exists'), '$.attr', 'string_too_long', /at most 512/],
  ['unknown operator', cond('geo.city', 'equals', 'x'), '$.op', 'unknown_operator', /Unknown operator 'equals'/],
  ['operator case typo', cond('geo.city', 'notin', ['x']), '$.op', 'unknown_operator', /did you mean 'notIn'/],
  ['operator not a string', cond('geo.city', 3 as never, 'x'), '$.op', 'invalid_operator', /got a number/],
  ['missing operator', { attr: 'geo.city', value: 'x' }, '$.op', 'missing_operator', /needs an 'op'/],
  ['gt on a string', cond('geo.city', 'gt', 'a'), '$.op', 'operator_type', /'gt' does not work on geo.city, which is a text attribute; use one of: eq, neq, in/],
  ['contains on a number', cond('visit.pageViews', 'contains', 1), '$.op', 'operator_type', /'contains' does not work on visit.pageViews/],
  ['gt on a boolean', cond('visit.isNew', 'gt', true), '$.op', 'operator_type', /true\/false attribute; use one of: eq, neq, exists, notExists/],
  ['in on a boolean', cond('traits.vip', 'in', [true]), '$.op', 'operator_type', /'in' does not work on traits.vip/],
  ['in on a date', cond('visit.firstSeen', 'in', ['2026-01-01']), '$.op', 'operator_type', /date attribute/],
  ['eq on a string list', cond('traits.interests', 'eq', 'golf'), '$.op', 'operator_type', /hasAny, hasAll, hasNone/],
  ['inLastDays on a number', cond('purchases.count', 'inLastDays', 3), '$.op', 'operator_type', /'inLastDays'/],
  ['value on exists', cond('geo.city', 'exists', 'x'), '$.value', 'unexpected_value', /'exists' takes no value/],
  ['null value on notExists', { attr: 'geo.city', op: 'notExists', value: null }, '$.value', 'unexpected_value', /takes no value/],
  ['missing value', cond('geo.city', 'eq'), '$.value', 'missing_value', /'eq' on geo.city needs a value/],
  ['list where a scalar goes', cond('geo.city', 'eq', ['Hanoi']), '$.value', 'invalid_value', /not a list.*use 'in'/],
  ['scalar where a list goes', cond('geo.country', 'in', 5), '$.value', 'invalid_value', /^geo.country expects a list of country codes for 'in', got a number$/],
  ['empty in', cond('geo.city', 'in', []), '$.value', 'empty_list', /at least one value/],
  ['empty hasAny', cond('traits.interests', 'hasAny', []), '$.value', 'empty_list', /'hasAny' needs at least one/],
  ['mixed list on a number', cond('traits.age', 'in', [1, '2']), '$.value[1]', 'invalid_value', /expects numbers for 'in', got '2'/],
  ['mixed list on an event property', { event: 'purchase', where: [cond('sku', 'in', ['a', 1])] }, '$.where[0].value', 'mixed_types', /mixes texts and numbers/],
  ['nested list', cond('geo.city', 'in', [['a']]), '$.value[0]', 'invalid_value', /got a list/],
  ['between with one value', cond('traits.age', 'between', [1]), '$.value', 'invalid_range', /two numbers as \[low, high\], got a list of 1/],
  ['between with three values', cond('traits.age', 'between', [1, 2, 3]), '$.value', 'invalid_range', /a list of 3/],
  ['between with a scalar', cond('traits.age', 'between', 5), '$.value', 'invalid_range', /got a number/],
  ['between reversed', cond('traits.age', 'between', [10, 5]), '$.value', 'invalid_range', /low <= high; 10 is greater than 5/],
  ['between dates reversed', cond('visit.firstSeen', 'between', ['2026-02-01', '2026-01-01']), '$.value', 'invalid_range', /2026-02-01 is after 2026-01-01/],
  ['between with a string', cond('traits.age', 'between', ['a', 2]), '$.value[0]', 'invalid_value', /expects a number for 'between', got 'a'/],
  ['invalid date', cond('visit.firstSeen', 'gt', '2026-02-30'), '$.value', 'invalid_date', /'2026-02-30' is not a valid date/],
  ['invalid date in between', cond('visit.firstSeen', 'between', ['2026-01-01', 'soon']), '$.value[1]', 'invalid_date', /'soon' is not a valid date/],
  ['a number for a date', cond('visit.firstSeen', 'gt', 1764000000000), '$.value', 'invalid_value', /expects a date/],
  ['NaN', cond('traits.age', 'eq', Number.NaN), '$.value', 'not_finite', /finite number, got NaN/],
  ['Infinity', cond('traits.age', 'gt', Number.POSITIVE_INFINITY), '$.value', 'not_finite', /got Infinity/],
  ['-Infinity in a list', cond('traits.age', 'in', [1, Number.NEGATIVE_INFINITY]), '$.value[1]', 'not_finite', /-Infinity/],
  ['zero days', cond('visit.firstSeen', 'inLastDays', 0), '$.value', 'invalid_days', /whole number of days \(1 or more\), got 0/],
  ['fractional days', cond('visit.firstSeen', 'notInLastDays', 1.5), '$.value', 'invalid_days', /got 1.5/],
  ['days as a string', cond('visit.firstSeen', 'inLastDays', '7'), '$.value', 'invalid_days', /got '7'/],
  ['too many days', cond('visit.firstSeen', 'inLastDays', 3651), '$.value', 'invalid_days', /at most 3650 days/],
  ['boolean against a string', cond('visit.isNew', 'eq', 'true'), '$.value', 'invalid_value', /expects true or false for 'eq', got 'true'/],
  ['boolean against a number', cond('traits.vip', 'neq', 1), '$.value', 'invalid_value', /true or false/],
  ['string over 512', cond('geo.city', 'eq', 'x'.repeat(513)), '$.value', 'string_too_long', /at most 512 characters long; this one has 513/],
  ['string over 512 in a list', cond('traits.interests', 'hasAll', ['a', 'x'.repeat(513)]), '$.value[1]', 'string_too_long', /512/],
  ['list over 1000', cond('geo.city', 'in', Array.from({ length: 1001 }, (_, i) => `c${i}`)), '$.value', 'list_too_long', /at most 1000 values; this one has 1001/],
  ['lower-case country', cond('geo.country', 'eq', 'vn'), '$.value', 'invalid_format', /^'vn' is not an upper-case ISO country code; did you mean 'VN'\?$/],
  ['three-letter country in a list', cond('geo.country', 'in', ['VN', 'VNM']), '$.value[1]', 'invalid_format', /'VNM' is not an upper-case ISO country code/],
  ['unknown device type', cond('device.type', 'eq', 'phone'), '$.value', 'not_allowed', /'phone' is not a possible value of device.type; use one of: mobile, tablet, desktop/],
  ['unknown continent', cond('geo.continent', 'in', ['AS', 'Asia']), '$.value[1]', 'not_allowed', /'Asia'.*AF, AN, AS/],
  ['hour out of range', cond('time.hour', 'eq', 24), '$.value', 'out_of_range', /time.hour expects a whole number from 0 to 23, got 24/],
  ['fractional hour', cond('time.hour', 'gte', 1.5), '$.value', 'out_of_range', /got 1.5/],
  ['day of week 0', cond('time.dayOfWeek', 'in', [1, 0]), '$.value[1]', 'out_of_range', /from 1 to 7, got 0/],
  ['hour range beyond 23', cond('time.hour', 'between', [0, 24]), '$.value[1]', 'out_of_range', /0 to 23/],
  ['empty glob', cond('page.path', 'matches', ''), '$.value', 'invalid_glob', /cannot be empty/],
  ['glob over 512', cond('page.path', 'matches', '/'.repeat(513)), '$.value', 'string_too_long', /512/],
  ['empty event name', { event: '' }, '$.event', 'invalid_event_name', /it is empty/],
  ['event name with a space', { event: 'page view' }, '$.event', 'invalid_event_name', /letters, digits.*got 'page view'/],
  ['event name of 65', { event: 'e'.repeat(65) }, '$.event', 'invalid_event_name', /1 to 64 characters/],
  ['event name not a string', { event: 7 }, '$.event', 'invalid_event_name', /got a number/],
  ['where not a list', { event: 'purchase', where: {} }, '$.where', 'invalid_where', /must be a list of conditions/],
  ['group in where', { event: 'purchase', where: [{ all: [] }] }, '$.where[0]', 'invalid_where', /only conditions.*not 'all'/],
  ['scalar in where', { event: 'purchase', where: [1] }, '$.where[0]', 'not_object', /Each entry of 'where'/],
  ['page_view property', { event: 'page_view', where: [cond('title', 'eq', 'x')] }, '$.where[0].attr', 'unknown_property', /only the properties path, host, url, referrer; got 'title'/],
  ['page_view property typo', { event: 'page_view', where: [cond('pth', 'eq', '/')] }, '$.where[0].attr', 'unknown_property', /did you mean 'path'/],
  ['gt on a page_view property', { event: 'page_view', where: [cond('path', 'gt', 1)] }, '$.where[0].op', 'operator_type', /which is text/],
  ['bad property name', { event: 'purchase', where: [cond('my prop', 'exists')] }, '$.where[0].attr', 'invalid_property', /not a valid property name/],
  ['contains with a number', { event: 'purchase', where: [cond('sku', 'contains', 5)] }, '$.where[0].op', 'operator_type', /'contains' does not work on property 'sku' of 'purchase', with a number as value/],
  ['gt with a boolean', { event: 'purchase', where: [cond('gift', 'gt', true)] }, '$.where[0].op', 'operator_type', /with true as value/],
  ['gt with a non-date string', { event: 'purchase', where: [cond('at', 'gt', 'yesterday')] }, '$.where[0].value', 'invalid_date', /'yesterday' is not a valid date/],
  ['property value missing', { event: 'purchase', where: [cond('amount', 'gt')] }, '$.where[0].value', 'missing_value', /needs a value/],
  ['negative min', { event: 'purchase', min: -1 }, '$.min', 'invalid_count', /'min' must be a whole number of 0 or more, got -1/],
  ['fractional max', { event: 'purchase', max: 1.5 }, '$.max', 'invalid_count', /got 1.5/],
  ['min as a string', { event: 'purchase', min: '1' }, '$.min', 'invalid_count', /got '1'/],
  ['min above max', { event: 'purchase', min: 3, max: 2 }, '$.max', 'invalid_count', /'min' \(3\) must not be greater than 'max' \(2\)/],
  ['max 0 without min', { event: 'purchase', max: 0 }, '$.max', 'invalid_count', /default 'min' of 1.*"min": 0, "max": 0/],
  ['event inLastDays 0', { event: 'purchase', inLastDays: 0 }, '$.inLastDays', 'invalid_count', /1 or more, got 0/],
  ['event inLastDays 3651', { event: 'purchase', inLastDays: 3651 }, '$.inLastDays', 'invalid_days', /at most 3650 days/],
  ['unknown segment', { segment: 'ghosts' }, '$.segment', 'unknown_segment', /^No segment 'ghosts' in this workspace$/],
  ['misspelt segment', { segment: 'loyall' }, '$.segment', 'unknown_segment', /did you mean 'loyal'/],
  ['segment not a string', { segment: 3 }, '$.segment', 'invalid_segment', /got a number/],
  ['empty segment slug', { segment: '' }, '$.segment', 'invalid_segment', /an empty name/],
  ['group not a list', { any: {} }, '$.any', 'invalid_group', /'any' expects a list of rules, got an object/],
  ['bigint value', cond('traits.age', 'eq', 10n), '$.value', 'invalid_value', /got a big integer/],
  ['function as a rule', () => 1, '$', 'not_object', /got a function/],
  ['symbol in a group', { all: [Symbol('x')] }, '$.all[0]', 'not_object', /got a symbol/],
];

describe('validateRule rejections', () => {
  it.each(rejections)('%s', (_name, input, path, code, message) => {
    expect(errorsOf(input)).toEqual([{ path, code, message: expect.stringMatching(message) }]);
  });

  it('reports every problem of a rule in one pass, each at its path', () => {
    const errors = errorsOf({
      all: [
        cond('geo.cuntry', 'eq', 'VN'),
        cond('geo.country', 'in', ['VN', 'th']),
        { not: { event: 'page_view', where: [cond('title', 'eq', 'x')], min: -1 } },
        { segment: 'ghosts' },
        { any: [cond('traits.tier', 'exists'), cond('visit.isNew', 'gt', 1)] },
      ],
    });
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['$.all[0].attr', 'unknown_attribute'],
      ['$.all[1].value[1]', 'invalid_format'],
      ['$.all[2].not.where[0].attr', 'unknown_property'],
      ['$.all[2].not.min', 'invalid_count'],
      ['$.all[3].segment', 'unknown_segment'],
      ['$.all[4].any[0].attr', 'undeclared_trait'],
      ['$.all[4].any[1].op', 'operator_type'],
    ]);
  });

  it('reports unknown attribute and unknown operator of one condition together', () => {
    expect(errorsOf(cond('geo.cuntry', 'equals', 'VN')).map((e) => e.path)).toEqual(['$.attr', '$.op']);
  });

  it('uses the path $.not.where[0].attr for a nested event property', () => {
    expect(errorsOf({ not: { event: 'page_view', where: [cond('title', 'exists')] } })[0]?.path).toBe('$.not.where[0].attr');
  });
});

describe('validateRule limits', () => {
  const leaf = cond('geo.city', 'exists');

  it('accepts depth 32 and rejects depth 33 at the first node too deep', () => {
    expect(validate(nested(31, leaf)).ok).toBe(true);
    expect(errorsOf(nested(32, leaf))).toEqual([
      { path: `$${'.not'.repeat(32)}`, code: 'too_deep', message: expect.stringMatching(/at most 32 levels/) },
    ]);
  });

  it('stops at the depth limit on 100,000-deep and cyclic input', () => {
    expect(errorsOf(nested(100_000, leaf)).map((e) => e.code)).toEqual(['too_deep']);
    const cyclic: Record<string, unknown> = {};
    cyclic.not = cyclic;
    expect(errorsOf(cyclic).map((e) => e.code)).toEqual(['too_deep']);
    const wide: unknown[] = [];
    wide.push({ any: wide });
    expect(errorsOf({ all: wide }).map((e) => e.code)).toContain('too_deep');
  });

  it('accepts 1,000 nodes and rejects 1,001, counting groups, conditions and where conditions', () => {
    expect(validate({ all: Array.from({ length: 999 }, () => leaf) }).ok).toBe(true);
    expect(errorsOf({ all: Array.from({ length: 1000 }, () => leaf) })).toEqual([
      { path: '$.all[999]', code: 'too_many_nodes', message: expect.stringMatching(/at most 1000 conditions and groups/) },
    ]);
    const withWhere = (n: number) => ({ all: [...Array.from({ length: 997 }, () => leaf), { event: 'page_view', where: Array.from({ length: n }, () => cond('path', 'exists')) }] });
    expect(validate(withWhere(1)).ok).toBe(true);
    expect(errorsOf(withWhere(2))).toEqual([{ path: '$.all[997].where[1]', code: 'too_many_nodes', message: expect.any(String) }]);
  });

  it('stops early on a huge group', () => {
    const errors = errorsOf({ all: Array.from({ length: 200_000 }, () => leaf) });
    expect(errors.map((e) => e.code)).toEqual(['too_many_nodes']);
  });

  it('accepts strings of 512, lists of 1,000 and 3650 days', () => {
    expect(validate(cond('geo.city', 'eq', 'x'.repeat(512))).ok).toBe(true);
    expect(validate(cond('page.path', 'matches', '*'.repeat(512))).ok).toBe(true);
    expect(validate(cond('geo.city', 'in', Array.from({ length: 1000 }, (_, i) => `c${i}`))).ok).toBe(true);
    expect(validate(cond('visit.firstSeen', 'inLastDays', 3650)).ok).toBe(true);
    expect(validate({ event: 'purchase', inLastDays: 3650 }).ok).toBe(true);
    expect(validate({ event: 'e'.repeat(64) }).ok).toBe(true);
  });

  it('caps the error list at 100, the last saying how many more were omitted', () => {
    const bad = (n: number) => ({ all: Array.from({ length: n }, (_, i) => cond(`nope.a${i}`, 'exists')) });
    expect(errorsOf(bad(100))).toHaveLength(100);
    expect(errorsOf(bad(100)).at(-1)?.code).toBe('unknown_attribute');
    const errors = errorsOf(bad(150));
    expect(errors).toHaveLength(100);
    expect(errors[98]?.path).toBe('$.all[98].attr');
    expect(errors.at(-1)).toEqual({ path: '$', code: 'too_many_problems', message: expect.stringMatching(/^51 more problems were omitted/) });
  });
});

describe('validateRule never throws', () => {
  it('turns hostile objects into an error', () => {
    const getter = Object.defineProperty({ op: 'exists' }, 'attr', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(errorsOf(getter).map((e) => e.code)).toEqual(['unreadable']);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(errorsOf({ all: [proxy] }).map((e) => e.code)).toEqual(['unreadable']);
  });

  it('ignores inherited keys', () => {
    const inherited = Object.create({ attr: 'geo.city', op: 'exists' }) as object;
    expect(errorsOf(inherited).map((e) => e.code)).toEqual(['rule_kind']);
  });
});

describe('validateRule normalised output', () => {
  it('normalises the CONTRACT example', () => {
    const result = validate({
      all: [
        { attr: 'geo.country', op: 'in', value: ['VN', 'TH'] },
        { attr: 'device.type', op: 'eq', value: 'mobile' },
        { event: 'page_view', where: [{ attr: 'path', op: 'matches', value: '/pricing/**' }], min: 3, inLastDays: 30 },
        { not: { segment: 'enterprise-customers' } },
      ],
    });
    expect(result).toEqual({
      ok: true,
      scope: 'edge',
      references: ['enterprise-customers'],
      warnings: [{ path: '$.all[3].not.segment', code: 'profile_segment_at_edge', message: expect.stringMatching(/only identified visitors/) }],
      rule: {
        kind: 'all',
        rules: [
          { kind: 'condition', attr: 'geo.country', attrType: 'string', op: 'in', value: { kind: 'list', values: ['VN', 'TH'] } },
          { kind: 'condition', attr: 'device.type', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: 'mobile' } },
          {
            kind: 'event', event: 'page_view', min: 3, max: null, inLastDays: 30,
            where: [{ kind: 'condition', attr: 'path', attrType: 'string', op: 'matches', value: { kind: 'scalar', value: '/pricing/**' } }],
          },
          { kind: 'not', rule: { kind: 'segment', slug: 'enterprise-customers' } },
        ],
      },
    });
  });

  it('parses dates to epoch milliseconds and resolves every value kind', () => {
    expect(ruleOf({
      any: [
        cond('visit.firstSeen', 'gte', '2026-11-23'),
        cond('traits.signedUpAt', 'between', ['2026-01-01', '2026-01-01T12:00:00+07:00']),
        cond('visit.lastSeen', 'notInLastDays', 14),
        cond('traits.age', 'eq', -0),
        cond('traits.vip', 'neq', false),
        cond('traits.interests', 'hasNone', ['golf']),
        cond('time.dayOfWeek', 'in', [6, 7]),
        cond('reachable.email', 'exists'),
        cond('page.query.ref', 'startsWith', 'abc'),
      ],
    })).toEqual({
      kind: 'any',
      rules: [
        { kind: 'condition', attr: 'visit.firstSeen', attrType: 'date', op: 'gte', value: { kind: 'scalar', value: Date.UTC(2026, 10, 23) } },
        { kind: 'condition', attr: 'traits.signedUpAt', attrType: 'date', op: 'between', value: { kind: 'range', low: Date.UTC(2026, 0, 1), high: Date.UTC(2026, 0, 1, 5) } },
        { kind: 'condition', attr: 'visit.lastSeen', attrType: 'date', op: 'notInLastDays', value: { kind: 'days', days: 14 } },
        { kind: 'condition', attr: 'traits.age', attrType: 'number', op: 'eq', value: { kind: 'scalar', value: 0 } },
        { kind: 'condition', attr: 'traits.vip', attrType: 'boolean', op: 'neq', value: { kind: 'scalar', value: false } },
        { kind: 'condition', attr: 'traits.interests', attrType: 'stringList', op: 'hasNone', value: { kind: 'list', values: ['golf'] } },
        { kind: 'condition', attr: 'time.dayOfWeek', attrType: 'number', op: 'in', value: { kind: 'list', values: [6, 7] } },
        { kind: 'condition', attr: 'reachable.email', attrType: 'boolean', op: 'exists', value: { kind: 'none' } },
        { kind: 'condition', attr: 'page.query.ref', attrType: 'string', op: 'startsWith', value: { kind: 'scalar', value: 'abc' } },
      ],
    });
  });

  it('normalises -0 so evaluators never see it', () => {
    const rule = ruleOf(cond('traits.age', 'lt', -0));
    expect(rule.kind === 'condition' && rule.value.kind === 'scalar' && Object.is(rule.value.value, 0)).toBe(true);
  });

  it('fills event defaults and infers property types', () => {
    expect(ruleOf({
      event: 'purchase',
      where: [
        cond('amount', 'gte', 100),
        cond('gift', 'eq', true),
        cond('deliveredAt', 'inLastDays', 7),
        cond('orderedAt', 'gt', '2026-01-01'),
        cond('tags', 'hasAny', ['sale']),
        cond('sku', 'eq', '2026-01-01'),
        cond('coupon', 'exists'),
        cond('qty', 'between', [1, 3]),
        cond('channel:web', 'in', ['shop', 'app']),
      ],
    })).toEqual({
      kind: 'event', event: 'purchase', min: 1, max: null, inLastDays: null,
      where: [
        { kind: 'condition', attr: 'amount', attrType: 'number', op: 'gte', value: { kind: 'scalar', value: 100 } },
        { kind: 'condition', attr: 'gift', attrType: 'boolean', op: 'eq', value: { kind: 'scalar', value: true } },
        { kind: 'condition', attr: 'deliveredAt', attrType: 'date', op: 'inLastDays', value: { kind: 'days', days: 7 } },
        { kind: 'condition', attr: 'orderedAt', attrType: 'date', op: 'gt', value: { kind: 'scalar', value: parseIsoDate('2026-01-01') } },
        { kind: 'condition', attr: 'tags', attrType: 'stringList', op: 'hasAny', value: { kind: 'list', values: ['sale'] } },
        { kind: 'condition', attr: 'sku', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: '2026-01-01' } },
        { kind: 'condition', attr: 'coupon', attrType: 'string', op: 'exists', value: { kind: 'none' } },
        { kind: 'condition', attr: 'qty', attrType: 'number', op: 'between', value: { kind: 'range', low: 1, high: 3 } },
        { kind: 'condition', attr: 'channel:web', attrType: 'string', op: 'in', value: { kind: 'list', values: ['shop', 'app'] } },
      ],
    });
  });

  it('accepts "never did it" and explicit counts', () => {
    expect(ruleOf({ event: 'cart_abandoned', min: 0, max: 0, inLastDays: 7 })).toEqual({ kind: 'event', event: 'cart_abandoned', where: [], min: 0, max: 0, inLastDays: 7 });
    expect(ruleOf({ event: 'page_view', max: 5 })).toEqual({ kind: 'event', event: 'page_view', where: [], min: 1, max: 5, inLastDays: null });
  });

  it('accepts any non-empty glob, including characters that are wildcards elsewhere', () => {
    for (const glob of ['*', '**', '?', '[abc', '/a\\b', '%_']) expect(validate(cond('page.path', 'matches', glob)).ok).toBe(true);
  });

  it('keeps empty groups valid but warns', () => {
    const result = validate({ all: [{ any: [] }] });
    expect(result).toMatchObject({ ok: true, rule: { kind: 'all', rules: [{ kind: 'any', rules: [] }] } });
    expect(result.warnings).toEqual([{ path: '$.all[0].any', code: 'empty_group', message: expect.stringMatching(/matches no one/) }]);
  });
});

describe('validateRule scope and references', () => {
  const scopeOf = (input: unknown) => {
    const result = validate(input);
    return result.ok ? result.scope : result.errors;
  };

  it.each<[string, unknown, 'edge' | 'profile']>([
    ['edge attributes', { all: [cond('geo.city', 'eq', 'Hanoi'), cond('page.query.utm', 'exists')] }, 'edge'],
    ['page_view events', { event: 'page_view', min: 3 }, 'edge'],
    ['references to profile segments', { segment: 'enterprise-customers' }, 'edge'],
    ['a trait', { any: [cond('geo.city', 'exists'), cond('traits.plan', 'eq', 'pro')] }, 'profile'],
    ['a computed attribute', { not: cond('purchases.count', 'gt', 0) }, 'profile'],
    ['another event', { all: [cond('geo.city', 'exists'), { event: 'purchase' }] }, 'profile'],
  ])('%s', (_name, input, scope) => {
    expect(scopeOf(input)).toBe(scope);
  });

  it('lists distinct direct references in order of appearance', () => {
    const result = validate({ any: [{ segment: 'loyal' }, { not: { segment: 'mobile-visitors' } }, { segment: 'loyal' }] });
    expect(result).toMatchObject({ ok: true, references: ['loyal', 'mobile-visitors'] });
  });

  it('warns on archived and draft segments but accepts them', () => {
    const result = validate({ any: [{ segment: 'old-campaign' }, { segment: 'next-campaign' }] });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      { path: '$.any[0].segment', code: 'segment_archived', message: expect.stringMatching(/'old-campaign' is archived.*always false/) },
      { path: '$.any[1].segment', code: 'segment_unpublished', message: expect.stringMatching(/'next-campaign' is not published/) },
    ]);
  });

  it('keeps warnings next to errors', () => {
    const result = validate({ all: [{ segment: 'old-campaign' }, { segment: 'ghosts' }] });
    expect(result.ok).toBe(false);
    expect(result.warnings.map((w) => w.code)).toEqual(['segment_archived']);
  });

  it('rejects a direct reference to itself', () => {
    expect(errorsOf({ segment: 'vip' }, { segments, selfSlug: 'vip' })).toEqual([
      { path: '$.segment', code: 'segment_cycle', message: expect.stringMatching(/vip -> vip$/) },
    ]);
  });

  it('rejects a reference that leads back through others, naming the cycle', () => {
    expect(errorsOf({ not: { segment: 'loyal' } }, { segments, selfSlug: 'vip' })).toEqual([
      { path: '$.not.segment', code: 'segment_cycle', message: "Segment 'vip' would depend on itself: vip -> loyal -> vip" },
    ]);
    expect(errorsOf({ all: [{ segment: 'big-spenders' }] }, { segments, selfSlug: 'vip' })[0]?.message).toMatch(/vip -> big-spenders -> loyal -> vip/);
  });

  it('accepts references without a cycle, and terminates on cycles among other segments', () => {
    expect(validate({ segment: 'loyal' }, { segments, selfSlug: 'newcomer' }).ok).toBe(true);
    expect(validate({ segment: 'x' }, { segments, selfSlug: 'newcomer' }).ok).toBe(true);
    expect(validate({ segment: 'loyal' }).ok).toBe(true);
  });
});

describe('formatPath', () => {
  it.each<[Array<string | number>, string]>([
    [[], '$'],
    [['all', 2], '$.all[2]'],
    [['all', 2, 'value', 3], '$.all[2].value[3]'],
    [['not', 'where', 0, 'attr'], '$.not.where[0].attr'],
    [['odd key'], '$["odd key"]'],
    [['a"b', 1], '$["a\\"b"][1]'],
    [['1x'], '$["1x"]'],
  ])('%j -> %s', (segments, path) => {
    expect(formatPath(segments)).toBe(path);
  });
});

describe('validateRule properties', () => {
  const wellFormed = (result: ReturnType<typeof validate>) => {
    if (result.ok) {
      expect(['edge', 'profile']).toContain(result.scope);
    } else {
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors.length).toBeLessThanOrEqual(100);
      for (const error of result.errors) {
        expect(error.path).toMatch(/^\$/);
        expect(error.message.length).toBeGreaterThan(0);
      }
    }
  };

  it('never throws on anything and always answers ok or errors', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withBoxedValues: true, withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), (input) => {
        wellFormed(validate(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (input) => wellFormed(validate(input))), { numRuns: 2000 });
  });

  // Rule-shaped input reaches deep into the validator, where arbitrary JSON rarely gets.
  const attrs = ['geo.country', 'device.type', 'time.hour', 'visit.isNew', 'visit.firstSeen', 'traits.age', 'traits.interests', 'purchases.count', 'traits.nope', 'page.query.x'];
  const values = fc.oneof(
    fc.constantFrom('VN', 'vn', 'mobile', '2026-01-01', '', '*', 'x'.repeat(513)),
    fc.integer({ min: -5, max: 30 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(fc.constantFrom('VN', 'TH', '2026-02-01'), fc.integer({ min: 0, max: 24 }), fc.boolean()), { maxLength: 4 }),
  );
  const condition = fc.record({ attr: fc.constantFrom(...attrs), op: fc.constantFrom(...OPERATORS, 'equals'), value: values }, { requiredKeys: ['attr', 'op'] });
  const event = fc.record(
    {
      event: fc.constantFrom(PAGE_VIEW_EVENT, 'purchase', 'bad name'),
      where: fc.array(fc.record({ attr: fc.constantFrom('path', 'amount', 'title'), op: fc.constantFrom(...OPERATORS), value: values }, { requiredKeys: ['attr', 'op'] }), { maxLength: 3 }),
      min: fc.integer({ min: -1, max: 3 }),
      max: fc.integer({ min: -1, max: 3 }),
      inLastDays: fc.integer({ min: 0, max: 4000 }),
    },
    { requiredKeys: ['event'] },
  );
  const { rule } = fc.letrec<{ rule: unknown }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      condition,
      event,
      fc.record({ segment: fc.constantFrom('loyal', 'old-campaign', 'ghosts', 'vip') }),
      fc.record({ all: fc.array(tie('rule'), { maxLength: 4 }) }),
      fc.record({ any: fc.array(tie('rule'), { maxLength: 4 }) }),
      fc.record({ not: tie('rule') }),
    ),
  }));

  const usesProfileData = (node: RuleNode): boolean => {
    switch (node.kind) {
      case 'all':
      case 'any':
        return node.rules.some(usesProfileData);
      case 'not':
        return usesProfileData(node.rule);
      case 'condition':
        return catalogue.lookup(node.attr)?.scope === 'profile';
      case 'event':
        return node.event !== PAGE_VIEW_EVENT;
      case 'segment':
        return false;
    }
  };

  it('answers rule-shaped input consistently: profile scope exactly when profile data is used', () => {
    let valid = 0;
    fc.assert(
      fc.property(rule, (input) => {
        const result = validate(input, { segments, selfSlug: 'vip' });
        wellFormed(result);
        expect(validate(input, { segments, selfSlug: 'vip' })).toEqual(result);
        if (result.ok) {
          valid += 1;
          expect(result.scope).toBe(usesProfileData(result.rule) ? 'profile' : 'edge');
        }
      }),
      { numRuns: 1000 },
    );
    // The generator must reach valid rules too, or the scope check above would be vacuous.
    expect(valid).toBeGreaterThan(50);
  });
});
