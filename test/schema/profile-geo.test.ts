/**
 * geo.* of a stored profile (schema/profile.ts profileGeo): one source, the stored address when
 * there is one, else the last seen edge geography, else nothing; never a mix.
 */
import { describe, expect, it } from 'vitest';
import { hasStoredAddress, profileAttributes, profileGeo, type StoredProfile } from '../../schema/profile.js';

const NONE = { country: null, region: null, city: null, postalCode: null };
const SEEN = { country: 'VN', region: 'HN', city: 'Hanoi', postalCode: '100000', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' };
const base: StoredProfile = {
  traits: {},
  createdAt: 0,
  email: null,
  phone: null,
  consentEmail: false,
  consentSms: false,
  purchaseCount: 0,
  purchaseTotal: 0,
  firstPurchaseAt: null,
  lastPurchaseAt: null,
  avgIntervalDays: null,
};

describe('profileGeo', () => {
  it('reads the stored address when the profile has one, a missing field staying missing', () => {
    const geo = profileGeo({ address: { ...NONE, city: 'Berlin', country: 'DE' }, seenGeo: SEEN });
    expect({ ...geo }).toEqual({ 'geo.country': 'DE', 'geo.region': undefined, 'geo.city': 'Berlin', 'geo.postalCode': undefined, 'geo.continent': undefined, 'geo.timezone': undefined });
  });

  it('any one address field makes the address the source (a postal code alone hides the seen city)', () => {
    const geo = profileGeo({ address: { ...NONE, postalCode: '10115' }, seenGeo: SEEN });
    expect(geo['geo.postalCode']).toBe('10115');
    expect(geo['geo.city']).toBeUndefined();
    expect(geo['geo.country']).toBeUndefined();
  });

  it('falls back to the last seen edge geography, all six fields, when no address field is stored', () => {
    expect({ ...profileGeo({ address: NONE, seenGeo: SEEN }) }).toEqual({
      'geo.country': 'VN',
      'geo.region': 'HN',
      'geo.city': 'Hanoi',
      'geo.postalCode': '100000',
      'geo.continent': 'AS',
      'geo.timezone': 'Asia/Ho_Chi_Minh',
    });
    expect(profileGeo({ seenGeo: { city: 'Hanoi' } })['geo.country']).toBeUndefined();
  });

  it('has nothing without either', () => {
    expect(Object.values(profileGeo({})).every((v) => v === undefined)).toBe(true);
    expect(Object.values(profileGeo({ address: NONE })).every((v) => v === undefined)).toBe(true);
  });

  it('is what profileAttributes gives the evaluators', () => {
    const attributes = profileAttributes({ ...base, address: { ...NONE, city: 'Hanoi', country: 'VN' } }, 0);
    expect(attributes['geo.city']).toBe('Hanoi');
    expect(attributes['geo.country']).toBe('VN');
    expect(profileAttributes(base, 0)['geo.city']).toBeUndefined();
  });

  it('hasStoredAddress: an empty string is a value (the API never stores one: it trims to null)', () => {
    expect(hasStoredAddress(undefined)).toBe(false);
    expect(hasStoredAddress(NONE)).toBe(false);
    expect(hasStoredAddress({ ...NONE, region: '' })).toBe(true);
  });
});
