/**
 * Validation of conditions: on catalogue attributes (`{ attr, op, value }` in a rule) and on event
 * properties (the `where` of an event, where the property's type comes from the operator and value).
 */
import { GEO_PREFIX, PAGE_VIEW_EVENT, PAGE_VIEW_PROPERTIES, TRAITS_PREFIX, type Catalogue } from './attributes.js';
import { OPERATORS, RULE_LIMITS, type AttrType, type ConditionNode, type Operator, type Scope } from './rule.js';
import {
  DAYS_OPERATORS,
  ORDERING_OPERATORS,
  PRESENCE_OPERATORS,
  OPERATORS_BY_TYPE,
  isOperator,
  operatorAccepts,
  typeWord,
} from './validate-operators.js';
import { checkKeys, describeValue, didYouMean, ownValue, quote, type PathSegment, type ProblemList } from './validate-problems.js';
import { validateConditionValue, type ValueTarget } from './validate-values.js';

/**
 * The keys of a condition.
 * @example CONDITION_KEYS.includes('value'); // true
 */
export const CONDITION_KEYS: readonly string[] = ['attr', 'op', 'value'];

/**
 * Event and event-property names: letters, digits, `_ . : -`, 1 to 64 characters.
 * @example EVENT_NAME_PATTERN.test('lead_magnet_download'); // true
 */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Names people write for a geo attribute (lower case, without `geo.`), and the attribute meant. */
const GEO_ALIASES: Readonly<Record<string, string>> = {
  postcode: 'geo.postalCode',
  postal: 'geo.postalCode',
  zip: 'geo.postalCode',
  zipcode: 'geo.postalCode',
  state: 'geo.region',
  province: 'geo.region',
  countrycode: 'geo.country',
  town: 'geo.city',
  tz: 'geo.timezone',
};

/**
 * The message for an unknown `geo.*` name: the likely attribute (an alias such as `geo.postcode`,
 * or the closest name), then every geography attribute there is.
 * @example unknownGeoMessage('geo.postcode', ['geo.postalCode']); // "Unknown attribute 'geo.postcode'; did you mean 'geo.postalCode'? The geography attributes are geo.postalCode"
 */
export function unknownGeoMessage(attr: string, known: readonly string[]): string {
  const geo = known.filter((p) => p.startsWith(GEO_PREFIX));
  const alias = Object.hasOwn(GEO_ALIASES, attr.slice(GEO_PREFIX.length).toLowerCase()) ? GEO_ALIASES[attr.slice(GEO_PREFIX.length).toLowerCase()] : undefined;
  const hint = alias !== undefined ? `; did you mean ${quote(alias)}?` : didYouMean(attr, geo) || '.';
  return `Unknown attribute ${quote(attr)}${hint} The geography attributes are ${geo.join(', ')}`;
}

const STRING_LIST_OPERATORS: readonly Operator[] = ['hasAny', 'hasAll', 'hasNone'];

function readOperator(condition: object, path: readonly PathSegment[], errors: ProblemList): Operator | null {
  const opPath = [...path, 'op'];
  if (!Object.hasOwn(condition, 'op')) {
    errors.add(opPath, 'missing_operator', "A condition needs an 'op' such as 'eq'");
    return null;
  }
  const op = ownValue(condition, 'op');
  if (isOperator(op)) return op;
  if (typeof op !== 'string') {
    errors.add(opPath, 'invalid_operator', `'op' must name an operator such as 'eq', got ${describeValue(op)}`);
  } else {
    errors.add(opPath, 'unknown_operator', `Unknown operator ${quote(op)}${didYouMean(op, OPERATORS) || `; operators: ${OPERATORS.join(', ')}`}`);
  }
  return null;
}

function readName(condition: object, path: readonly PathSegment[], errors: ProblemList, what: string): string | null {
  const attrPath = [...path, 'attr'];
  const attr = ownValue(condition, 'attr');
  if (typeof attr !== 'string' || attr === '') {
    errors.add(attrPath, 'invalid_attribute', `'attr' must name ${what}, got ${describeValue(attr)}`);
    return null;
  }
  if (attr.length > RULE_LIMITS.maxStringLength) {
    errors.add(attrPath, 'string_too_long', `A name can be at most ${RULE_LIMITS.maxStringLength} characters long; this one has ${attr.length}`);
    return null;
  }
  return attr;
}

function mismatch(target: ValueTarget, path: readonly PathSegment[], errors: ProblemList, detail: string): null {
  const usable = OPERATORS_BY_TYPE[target.type].join(', ');
  errors.add([...path, 'op'], 'operator_type', `'${target.op}' does not work on ${target.label}, ${detail}; use one of: ${usable}`);
  return null;
}

function finish(target: ValueTarget, attr: string, condition: object, path: readonly PathSegment[], errors: ProblemList): ConditionNode | null {
  const value = validateConditionValue(target, condition, path, errors);
  return value === null ? null : { kind: 'condition', attr, attrType: target.type, op: target.op, value };
}

/**
 * Validates a condition on a catalogue attribute. Returns the node and the attribute's scope, or
 * `null` after reporting every problem (keys, attribute, operator, value).
 * @example validateAttributeCondition({ attr: 'device.type', op: 'eq', value: 'mobile' }, [], buildCatalogue([]), createProblemList()); // { node: { kind: 'condition', attr: 'device.type', attrType: 'string', op: 'eq', value: { kind: 'scalar', value: 'mobile' } }, scope: 'edge' }
 */
export function validateAttributeCondition(
  condition: object,
  path: readonly PathSegment[],
  catalogue: Catalogue,
  errors: ProblemList,
): { node: ConditionNode; scope: Scope } | null {
  const keysOk = checkKeys(condition, CONDITION_KEYS, path, errors, 'a condition');
  const attr = readName(condition, path, errors, 'an attribute such as geo.country');
  const spec = attr === null ? undefined : catalogue.lookup(attr);
  if (attr !== null && spec === undefined) {
    const known = catalogue.list().map((s) => s.path);
    if (attr.startsWith(TRAITS_PREFIX)) {
      const traits = known.filter((p) => p.startsWith(TRAITS_PREFIX));
      errors.add([...path, 'attr'], 'undeclared_trait', `${attr} is not a declared trait${didYouMean(attr, traits) || '; declare it before using it in a rule'}`);
    } else if (attr.startsWith(GEO_PREFIX)) {
      errors.add([...path, 'attr'], 'unknown_attribute', unknownGeoMessage(attr, known));
    } else {
      errors.add([...path, 'attr'], 'unknown_attribute', `Unknown attribute ${quote(attr)}${didYouMean(attr, known)}`);
    }
  }
  const op = readOperator(condition, path, errors);
  if (spec === undefined || op === null) return null;
  const target: ValueTarget = { label: spec.path, type: spec.type, spec, op };
  if (!operatorAccepts(spec.type, op)) return mismatch(target, path, errors, `which is a ${typeWord(spec.type)} attribute`);
  const node = finish(target, spec.path, condition, path, errors);
  return node === null || !keysOk ? null : { node, scope: spec.scope };
}

function kindOf(op: Operator, value: unknown): AttrType | undefined {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return ORDERING_OPERATORS.includes(op) ? 'date' : 'string';
  return undefined;
}

/**
 * The type an event property has in a condition, implied by the operator and value: numbers ->
 * number, booleans -> boolean, `inLastDays` / `notInLastDays` and ordering on strings -> date,
 * `hasAny` / `hasAll` / `hasNone` -> stringList, other strings and presence tests -> string. `null`
 * (reported) when a list mixes types.
 * @example inferPropertyType('gt', '2026-01-01', [], createProblemList()); // 'date'
 * @example inferPropertyType('in', [1, 2], [], createProblemList()); // 'number'
 */
export function inferPropertyType(op: Operator, value: unknown, valuePath: readonly PathSegment[], errors: ProblemList): AttrType | null {
  if (PRESENCE_OPERATORS.includes(op)) return 'string';
  if (DAYS_OPERATORS.includes(op)) return 'date';
  if (STRING_LIST_OPERATORS.includes(op)) return 'stringList';
  const kinds = new Set<AttrType>();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i <= RULE_LIMITS.maxListValues; i++) {
      const kind = kindOf(op, value[i]);
      if (kind) kinds.add(kind);
    }
  } else {
    const kind = kindOf(op, value);
    if (kind) kinds.add(kind);
  }
  if (kinds.size > 1) {
    const words = [...kinds].map((k) => typeWord(k, true)).join(' and ');
    errors.add(valuePath, 'mixed_types', `The list mixes ${words}; use values of one type`);
    return null;
  }
  // Nothing typed to go by (missing or null value): take the first type the operator suits, so the
  // value check reports what is missing rather than an operator mismatch.
  const types: readonly AttrType[] = ['string', 'number', 'date', 'boolean', 'stringList'];
  return [...kinds][0] ?? types.find((t) => operatorAccepts(t, op)) ?? 'string';
}

/**
 * Validates one condition of an event's `where` (the attribute is a property of the event).
 * `page_view` has exactly the string properties path, host, url and referrer.
 * @example validatePropertyCondition({ attr: 'amount', op: 'gte', value: 100 }, [], 'purchase', createProblemList())?.attrType; // 'number'
 */
export function validatePropertyCondition(
  condition: object,
  path: readonly PathSegment[],
  event: string | null,
  errors: ProblemList,
): ConditionNode | null {
  const keysOk = checkKeys(condition, CONDITION_KEYS, path, errors, 'a condition');
  let name = readName(condition, path, errors, 'a property of the event');
  const isPageView = event === PAGE_VIEW_EVENT;
  if (name !== null && isPageView && !(PAGE_VIEW_PROPERTIES as readonly string[]).includes(name)) {
    const hint = didYouMean(name, PAGE_VIEW_PROPERTIES);
    errors.add([...path, 'attr'], 'unknown_property', `${PAGE_VIEW_EVENT} events have only the properties ${PAGE_VIEW_PROPERTIES.join(', ')}; got ${quote(name)}${hint}`);
    name = null;
  } else if (name !== null && !EVENT_NAME_PATTERN.test(name)) {
    errors.add([...path, 'attr'], 'invalid_property', `${quote(name)} is not a valid property name: use letters, digits, _ . : - (at most 64 characters)`);
    name = null;
  }
  const op = readOperator(condition, path, errors);
  if (name === null || op === null) return null;
  const type = isPageView ? 'string' : inferPropertyType(op, ownValue(condition, 'value'), [...path, 'value'], errors);
  if (type === null) return null;
  const label = `property ${quote(name)} of ${quote(event ?? 'the event')}`;
  const target: ValueTarget = { label, type, op };
  if (!operatorAccepts(type, op)) {
    return mismatch(target, path, errors, isPageView ? 'which is text' : `with ${describeValue(ownValue(condition, 'value'))} as value`);
  }
  const node = finish(target, name, condition, path, errors);
  return keysOk ? node : null;
}
