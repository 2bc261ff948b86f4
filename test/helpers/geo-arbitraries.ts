/**
 * fast-check arbitraries for geo.* on stored profiles (profile-arbitraries.ts uses them): a stored
 * address, a last seen edge geography, both or neither, and conditions on every geo attribute, with
 * values from pools that subjects and rules share.
 */
import fc from 'fast-check';
import { OPERATORS_BY_TYPE } from '../../schema/validate.js';

/**
 * geo.* values shared by subjects (stored address, last seen edge geography) and rules: the same
 * city in other cases, with a trailing space, LIKE metacharacters; codes validation accepts.
 */
const GEO_VALUES = {
  country: ['VN', 'TH', 'DE', 'US'],
  region: ['HN', 'SG', '10', 'hn'],
  city: ['Hanoi', 'hanoi', 'HANOI', 'Hanoi ', 'Ho Chi Minh City', 'Berlin', 'a%b', 'a_b', 'caf\u00e9', 'cafe\u0301'],
  postalCode: ['10115', '100000', '1011', '%'],
  continent: ['AS', 'EU'],
  timezone: ['Asia/Ho_Chi_Minh', 'Europe/Berlin', 'Asia/*'],
} as const;
type GeoField = keyof typeof GEO_VALUES;
const GEO_FIELDS = Object.keys(GEO_VALUES) as GeoField[];
const GEO_SUBSTRINGS = ['H', 'Ha', 'noi', 'Minh', ' ', '%', '_', '10', 'V', '/', '\u0301'];
const GEO_GLOBS = ['H*', 'Ho Chi *', '*City', '?anoi', 'Asia/*', '**', '1011?', 'a%b'];

/** A condition on a geo.* attribute (every string operator, values from the shared pools). */
export const geoCondition: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...GEO_FIELDS), fc.constantFrom(...OPERATORS_BY_TYPE.string))
  .chain(([field, op]): fc.Arbitrary<Record<string, unknown>> => {
    const attr = `geo.${field}`;
    const value = fc.constantFrom<string>(...GEO_VALUES[field]);
    switch (op) {
      case 'exists':
      case 'notExists':
        return fc.constant({ attr, op });
      case 'in':
      case 'notIn':
        return fc.array(value, { minLength: 1, maxLength: 3 }).map((v) => ({ attr, op, value: v }));
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        return fc.constantFrom(...GEO_SUBSTRINGS).map((v) => ({ attr, op, value: v }));
      case 'matches':
        return fc.constantFrom(...GEO_GLOBS).map((v) => ({ attr, op, value: v }));
      default:
        return value.map((v) => ({ attr, op, value: v }));
    }
  });

const geoText = (field: GeoField) => fc.option(fc.constantFrom<string>(...GEO_VALUES[field]), { nil: null });
/** A stored address (sometimes with no field set: no address) and a last seen edge geography (sometimes none). */
export const geoArb = fc.record({
  address: fc.option(fc.record({ country: geoText('country'), region: geoText('region'), city: geoText('city'), postalCode: geoText('postalCode') }), { nil: undefined }),
  seenGeo: fc.option(
    fc.record(Object.fromEntries(GEO_FIELDS.map((f) => [f, fc.constantFrom<string>(...GEO_VALUES[f])])) as Record<GeoField, fc.Arbitrary<string>>, { requiredKeys: [] }),
    { nil: undefined },
  ),
});
