/**
 * The warnings of valid rules (schema/rule-warnings.ts, rule-contradictions.ts), as data: each case
 * a rule, what the workspace has seen, and the [path, code, suggestion] of every warning expected.
 * Rules run through the real validator first: warnings are computed on its normalised tree.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalogue } from '../../schema/attributes.js';
import { NOTHING_SEEN, ruleWarnings, withWarnings, type SeenCatalogue } from '../../schema/rule-warnings.js';
import { validateRule } from '../../schema/validate.js';
import { MAX_PROBLEMS } from '../../schema/validate-problems.js';

const catalogue = buildCatalogue([{ name: 'plan', type: 'string' }, { name: 'tags', type: 'stringList' }, { name: 'vip', type: 'boolean' }]);
const SEEN: SeenCatalogue = {
  events: new Set(['purchase', 'signup', 'page_view']),
  properties: new Map([['purchase', new Set(['revenue', 'sku'])]]),
  values: new Map([['utm.source', ['google', 'Newsletter']]]),
};
const c = (attr: string, op: string, value?: unknown) => (value === undefined ? { attr, op } : { attr, op, value });

type Expected = Array<[string, string, string?]>;
const CASES: Array<[string, unknown, Expected]> = [
  ['nothing to say', { all: [c('geo.country', 'eq', 'VN'), c('geo.country', 'neq', 'TH'), c('utm.source', 'eq', 'google')] }, []],
  ['eq a and eq b', { all: [c('geo.country', 'eq', 'VN'), c('geo.country', 'eq', 'TH')] }, [['$.all[1]', 'contradiction']]],
  ['eq a and in without a', { all: [c('geo.city', 'in', ['Hanoi', 'Hue']), c('geo.city', 'eq', 'Saigon')] }, [['$.all[1]', 'contradiction']]],
  ['eq a and notIn with a', { all: [c('geo.city', 'eq', 'Hue'), c('geo.city', 'notIn', ['Hue'])] }, [['$.all[1]', 'contradiction']]],
  ['in and notIn leaving one', { all: [c('geo.city', 'in', ['Hanoi', 'Hue']), c('geo.city', 'notIn', ['Hue'])] }, []],
  ['count >= 5 and < 3', { all: [c('purchases.count', 'gte', 5), c('purchases.count', 'lt', 3)] }, [['$.all[1]', 'contradiction']]],
  ['gte 5 and lte 5 is 5', { all: [c('purchases.count', 'gte', 5), c('purchases.count', 'lte', 5)] }, []],
  ['gt 5 and lte 5', { all: [c('purchases.count', 'gt', 5), c('purchases.count', 'lte', 5)] }, [['$.all[1]', 'contradiction']]],
  ['between and eq outside', { all: [c('time.hour', 'between', [9, 17]), c('time.hour', 'eq', 20)] }, [['$.all[1]', 'contradiction']]],
  ['dates', { all: [c('profile.createdAt', 'gt', '2026-06-01'), c('profile.createdAt', 'lt', '2026-01-01T00:00:00Z')] }, [['$.all[1]', 'contradiction']]],
  ['within 7 days and before 30', { all: [c('purchases.last', 'inLastDays', 7), c('purchases.last', 'notInLastDays', 30)] }, [['$.all[1]', 'contradiction']]],
  ['within 30 days and before 7', { all: [c('purchases.last', 'inLastDays', 30), c('purchases.last', 'notInLastDays', 7)] }, []],
  ['booleans', { all: [c('traits.vip', 'eq', true), c('traits.vip', 'eq', false)] }, [['$.all[1]', 'contradiction']]],
  ['exists and notExists', { all: [c('traits.plan', 'notExists'), c('traits.plan', 'startsWith', 'p')] }, [['$.all[1]', 'contradiction']]],
  ['hasAll and hasNone', { all: [c('traits.tags', 'hasAll', ['a', 'b']), c('traits.tags', 'hasNone', ['b'])] }, [['$.all[1]', 'contradiction']]],
  ['hasAny all excluded', { all: [c('traits.tags', 'hasNone', ['a', 'b']), c('traits.tags', 'hasAny', ['b', 'a'])] }, [['$.all[1]', 'contradiction']]],
  ['nested all is one scope', { all: [c('geo.country', 'eq', 'VN'), { all: [{ all: [c('geo.country', 'eq', 'TH')] }] }] }, [['$.all[1].all[0].all[0]', 'contradiction']]],
  ['any is not a scope', { any: [c('geo.country', 'eq', 'VN'), c('geo.country', 'eq', 'TH')] }, []],
  ['all inside any and not', { any: [{ not: { all: [c('geo.city', 'eq', 'A'), c('geo.city', 'eq', 'B')] } }] }, [['$.any[0].not.all[1]', 'contradiction']]],
  ['reported once per attribute', { all: [c('geo.city', 'eq', 'A'), c('geo.city', 'eq', 'B'), c('geo.city', 'eq', 'C')] }, [['$.all[1]', 'contradiction']]],
  ['where of one event', { event: 'purchase', where: [c('revenue', 'gt', 100), c('revenue', 'lt', 50)] }, [['$.where[1]', 'contradiction']]],
  ['event counts that do not meet', { all: [{ event: 'purchase', min: 3 }, { event: 'purchase', min: 0, max: 1 }] }, [['$.all[1]', 'contradiction']]],
  ['counts over other windows', { all: [{ event: 'purchase', min: 3 }, { event: 'purchase', max: 1, inLastDays: 30 }] }, []],
  ['never tracked, with did-you-mean', { event: 'purchse' }, [['$.event', 'event_never_seen', 'purchase']]],
  ['never tracked, nothing close', { event: 'refund', where: [c('amount', 'gt', 1), c('note', 'notExists')] }, [['$.event', 'event_never_seen'], ['$.where[0].attr', 'property_of_unseen_event']]],
  ['property never seen', { event: 'purchase', where: [c('revenu', 'gt', 1), c('sku', 'eq', 'A')] }, [['$.where[0].attr', 'property_never_seen', 'revenue']]],
  ['page_view properties are fixed, not warned', { event: 'page_view', where: [c('path', 'eq', '/')] }, []],
  ['device.os case', c('device.os', 'eq', 'ios'), [['$.value', 'value_case', 'iOS']]],
  ['device.os unknown', c('device.os', 'in', ['Android', 'Andriod', 'Ubuntu']), [['$.value[1]', 'value_unknown', 'Android'], ['$.value[2]', 'value_unknown']]],
  ['device.browser on neq', c('device.browser', 'neq', 'chrome'), [['$.value', 'value_case', 'Chrome']]],
  ['contains is not checked', c('device.os', 'contains', 'ios'), []],
  ['utm seen values', c('utm.source', 'in', ['newsletter', 'googel', 'bing']), [['$.value[0]', 'value_case', 'Newsletter'], ['$.value[1]', 'value_never_seen', 'google'], ['$.value[2]', 'value_never_seen']]],
  ['utm with nothing seen', c('utm.medium', 'eq', 'cpc'), []],
  ['edge attribute in a profile rule', { all: [c('traits.plan', 'eq', 'pro'), c('geo.country', 'eq', 'VN'), c('geo.city', 'notExists')] }, [['$.all[1].attr', 'edge_attribute_in_profile_rule']]],
  ['page_view keeps a rule at the edge', { all: [{ event: 'page_view' }, c('geo.country', 'eq', 'VN')] }, []],
];

describe('rule warnings', () => {
  it.each(CASES)('%s', (_name, rule, expected) => {
    const result = validateRule(rule, catalogue, { segments: new Map() });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const warnings = ruleWarnings(result.rule, result.scope, catalogue, SEEN);
    expect(warnings.map((w) => [w.path, w.code, ...(w.suggestion === undefined ? [] : [w.suggestion])])).toEqual(expected);
    for (const w of warnings) expect(w.message).not.toBe('');
  });

  it('with nothing seen every event is never tracked, and still nothing throws', () => {
    const result = validateRule({ all: [{ event: 'page_view' }, { event: 'a' }] }, catalogue, { segments: new Map() });
    if (!result.ok) throw new Error('invalid');
    expect(ruleWarnings(result.rule, result.scope, catalogue, NOTHING_SEEN).map((w) => w.code)).toEqual(['event_never_seen', 'event_never_seen']);
  });

  it('hostile values: messages stay short, a 500-character value gets no suggestion', () => {
    const huge = `${'\u{1F600}'.repeat(100)}${'x'.repeat(300)}`;
    const result = validateRule({ all: [c('utm.source', 'eq', huge), c('device.os', 'eq', huge)] }, catalogue, { segments: new Map() });
    if (!result.ok) throw new Error('invalid');
    const warnings = ruleWarnings(result.rule, result.scope, catalogue, SEEN);
    expect(warnings.map((w) => [w.code, w.suggestion])).toEqual([['value_never_seen', undefined], ['value_unknown', undefined]]);
    for (const w of warnings) expect(w.message.length).toBeLessThan(500);
  });

  it('at most 100 warnings, the last one counting the rest', () => {
    const rule = { all: Array.from({ length: 300 }, (_, i) => ({ event: `e${i}` })) };
    const result = validateRule(rule, catalogue, { segments: new Map() });
    if (!result.ok) throw new Error('invalid');
    const warnings = withWarnings([{ path: '$', code: 'x', message: 'x' }], ruleWarnings(result.rule, result.scope, catalogue, NOTHING_SEEN));
    expect(warnings).toHaveLength(MAX_PROBLEMS);
    expect(warnings.at(-1)).toMatchObject({ code: 'too_many_problems' });
  });
});
