/**
 * Which operators work on which attribute types, and the words validation messages use for types.
 */
import type { AttributeSpec } from './attributes.js';
import { OPERATORS, type AttrType, type Operator } from './rule.js';

/**
 * The operators each attribute type accepts (CONTRACT.md section 1).
 * @example OPERATORS_BY_TYPE.boolean; // ['eq', 'neq', 'exists', 'notExists']
 */
export const OPERATORS_BY_TYPE: Readonly<Record<AttrType, readonly Operator[]>> = {
  string: ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'matches', 'exists', 'notExists'],
  number: ['eq', 'neq', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists'],
  boolean: ['eq', 'neq', 'exists', 'notExists'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'inLastDays', 'notInLastDays', 'exists', 'notExists'],
  stringList: ['hasAny', 'hasAll', 'hasNone', 'exists', 'notExists'],
};

/**
 * True when `value` names an operator of the language.
 * @example isOperator('inLastDays'); // true
 * @example isOperator('equals'); // false
 */
export function isOperator(value: unknown): value is Operator {
  return typeof value === 'string' && (OPERATORS as readonly string[]).includes(value);
}

/**
 * True when `op` can be used on an attribute of type `type`.
 * @example operatorAccepts('number', 'between'); // true
 * @example operatorAccepts('boolean', 'gt'); // false
 */
export function operatorAccepts(type: AttrType, op: Operator): boolean {
  return OPERATORS_BY_TYPE[type].includes(op);
}

/**
 * Operators whose value is a list of scalars.
 * @example LIST_OPERATORS.includes('notIn'); // true
 */
export const LIST_OPERATORS: readonly Operator[] = ['in', 'notIn', 'hasAny', 'hasAll', 'hasNone'];
/**
 * Operators that order numbers or dates.
 * @example ORDERING_OPERATORS.includes('between'); // true
 */
export const ORDERING_OPERATORS: readonly Operator[] = ['gt', 'gte', 'lt', 'lte', 'between'];
/**
 * Operators that take no value.
 * @example PRESENCE_OPERATORS.includes('exists'); // true
 */
export const PRESENCE_OPERATORS: readonly Operator[] = ['exists', 'notExists'];
/**
 * Operators whose value is a number of days.
 * @example DAYS_OPERATORS.includes('notInLastDays'); // true
 */
export const DAYS_OPERATORS: readonly Operator[] = ['inLastDays', 'notInLastDays'];

/**
 * The largest number of days `inLastDays` / `notInLastDays` accept (about ten years).
 * @example validateRule({ attr: 'visit.firstSeen', op: 'inLastDays', value: MAX_DAYS + 1 }, cat, ctx).ok; // false
 */
export const MAX_DAYS = 3650;

const TYPE_WORDS: Readonly<Record<AttrType, string>> = {
  string: 'text',
  number: 'number',
  boolean: 'true/false',
  date: 'date',
  stringList: 'list of texts',
};

const TYPE_PLURALS: Readonly<Record<AttrType, string>> = {
  string: 'texts',
  number: 'numbers',
  boolean: 'true/false values',
  date: 'dates',
  stringList: 'lists of texts',
};

/**
 * The name of a type in messages, singular or plural.
 * @example typeWord('stringList'); // 'list of texts'
 * @example typeWord('number', true); // 'numbers'
 */
export function typeWord(type: AttrType, plural = false): string {
  return plural ? TYPE_PLURALS[type] : TYPE_WORDS[type];
}

/**
 * How messages name one value and several values of an attribute: `a country code` / `country codes`.
 * @example valueNouns('number', { range: [0, 23] }); // { one: 'a whole number from 0 to 23', many: 'whole numbers from 0 to 23' }
 */
export function valueNouns(type: AttrType, spec?: Pick<AttributeSpec, 'format' | 'range'>): { one: string; many: string } {
  switch (type) {
    case 'string':
      if (spec?.format === 'country') return { one: 'a country code', many: 'country codes' };
      if (spec?.format === 'continent') return { one: 'a continent code', many: 'continent codes' };
      return { one: 'a text value', many: 'text values' };
    case 'number':
      if (spec?.range) {
        const [low, high] = spec.range;
        return { one: `a whole number from ${low} to ${high}`, many: `whole numbers from ${low} to ${high}` };
      }
      return { one: 'a number', many: 'numbers' };
    case 'boolean':
      return { one: 'true or false', many: 'true/false values' };
    case 'date':
      return { one: 'a date (YYYY-MM-DD or an ISO date-time)', many: 'dates (YYYY-MM-DD or ISO date-times)' };
    case 'stringList':
      return { one: 'a text value', many: 'text values' };
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}
