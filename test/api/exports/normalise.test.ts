import { describe, expect, it } from 'vitest';
import {
  googleCountry,
  googleEmail,
  googleName,
  googlePhone,
  googleZip,
  metaCity,
  metaCountry,
  metaEmail,
  metaExternId,
  metaMadid,
  metaName,
  metaPhone,
  metaState,
  metaZip,
  normaliseEmail,
  normaliseGoogleEmail,
  phoneE164,
  sha256Hex,
  usStateCode,
} from '../../../api/exports/normalise.js';

// Worked examples published by Meta (input, normalised form, expected SHA-256):
// https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
// (the same rules as the Custom Audiences multi-key schema:
//  https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences)
describe("Meta's published vectors", () => {
  it('em: John_Smith@gmail.com', () => {
    expect(normaliseEmail('John_Smith@gmail.com')).toBe('john_smith@gmail.com');
    expect(metaEmail('John_Smith@gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
  });

  it('ph: US (650)555-1212 -> 16505551212', () => {
    expect(metaPhone('(650)555-1212', 'US')).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
  });

  it('fn: Mary, 정 and Valéry (UTF-8 kept)', () => {
    expect(metaName('Mary')).toBe('6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec');
    expect(metaName('정')).toBe('8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14');
    expect(metaName('Valéry')).toBe('08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c');
  });

  it('country: United States -> us', () => {
    expect(metaCountry('US')).toBe('79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621');
  });

  it('ct: newyork; st: az, ca', () => {
    expect(metaCity('New York')).toBe('350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5');
    expect(metaState('Arizona', 'US')).toBe('9c0ada37bf74aeefae949fdfc90db0cf6eaf90192eff67d65887771f0585e055');
    expect(metaState('CA', 'US')).toBe('6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126');
  });

  it('zp: US 94035, Australia 1987, France 75018, UK m11ae', () => {
    expect(metaZip('94035', 'US')).toBe('1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e');
    expect(metaZip('1987', 'AU')).toBe('744b93f9950fc38dad705556931ea48193b99dcb191cc9bd77097f65fbe2f0b8');
    expect(metaZip('75018', 'FR')).toBe('8dc3075ea745609c169d1c120d3fcd1c42673d16f18b423f4374e894d34a098a');
    expect(metaZip('M1 1AE', 'GB')).toBe('1dc694c2070e697769fb959b50671d76cafd430d8ca191fbdd0affcaea344ac5');
  });

  it('madid: AECE52E7-03EE-455A-B3C4-E57283966239, lower case, not hashed', () => {
    expect(metaMadid('AECE52E7-03EE-455A-B3C4-E57283966239')).toBe('aece52e7-03ee-455a-b3c4-e57283966239');
  });
});

describe('Meta edge cases', () => {
  it('trims and lower-cases e-mails; refuses ones without @ or a domain', () => {
    expect(metaEmail('  John_Smith@GMAIL.com \t')).toBe(sha256Hex('john_smith@gmail.com'));
    for (const bad of ['john.smith', 'john@', '@example.com', 'john@localhost', 'jo hn@example.com', 'a@b@c.com', '   ']) {
      expect(metaEmail(bad), bad).toBeNull();
    }
    expect(metaEmail(null)).toBeNull();
  });

  it('adds the country code to a national number and drops the +', () => {
    expect(metaPhone('+84 90 123 45 67', 'VN')).toBe('f0a4b3a2d998485bc744a2e6fcb2dec760b843aba1f24a84edf4bf32c68e71d5');
    expect(metaPhone('0901234567', 'VN')).toBe(sha256Hex('84901234567'));
    expect(metaPhone('0084 90 123 4567', 'VN')).toBe(sha256Hex('84901234567'));
    expect(metaPhone('+84 90 123 45 67', null)).toBe(sha256Hex('84901234567'));
  });

  it('refuses phones libphonenumber finds invalid, or national ones without a country', () => {
    expect(metaPhone('12345', 'VN')).toBeNull();
    expect(metaPhone('555-0100', 'US')).toBeNull();
    expect(metaPhone('0901234567', null)).toBeNull();
    expect(metaPhone('call me', 'US')).toBeNull();
  });

  it('names: letters only, any script, NFC so combining accents hash alike', () => {
    expect(metaName("  O'Brien ")).toBe(sha256Hex('obrien'));
    expect(metaName('Vale\u0301ry')).toBe(metaName('Valéry'));
    expect(metaName('NGUYỄN')).toBe(sha256Hex('nguyễn'));
    expect(metaName('Jean-Luc')).toBe(sha256Hex('jeanluc'));
    expect(metaName('...')).toBeNull();
  });

  it('cities keep non-Latin letters without spaces or punctuation', () => {
    expect(metaCity('Hồ Chí Minh')).toBe(sha256Hex('hồchíminh'));
    expect(metaCity("St. John's")).toBe(sha256Hex('stjohns'));
  });

  it('US states become their ANSI code; others are compacted', () => {
    expect(usStateCode('New Hampshire')).toBe('nh');
    expect(usStateCode('D.C.')).toBe('dc');
    expect(metaState('Atlantis', 'US')).toBeNull();
    expect(metaState('California', null)).toBe(sha256Hex('ca'));
    expect(metaState('Bà Rịa–Vũng Tàu', 'VN')).toBe(sha256Hex('bàrịavũngtàu'));
  });

  it('US ZIP+4 keeps the first five digits; a malformed US zip is invalid', () => {
    expect(metaZip('94035-1234', 'US')).toBe(sha256Hex('94035'));
    expect(metaZip(' 940351234 ', 'US')).toBe(sha256Hex('94035'));
    expect(metaZip('9403', 'US')).toBeNull();
    expect(metaZip('1234-567', 'PT')).toBe(sha256Hex('1234567'));
  });

  it('countries must be ISO 3166-1 alpha-2', () => {
    expect(metaCountry(' vn ')).toBe(sha256Hex('vn'));
    expect(metaCountry('Vietnam')).toBeNull();
    expect(metaCountry('XX')).toBeNull();
  });

  it('madid: an all-zero or malformed id is refused', () => {
    expect(metaMadid('00000000-0000-0000-0000-000000000000')).toBeNull();
    expect(metaMadid('not-a-device')).toBeNull();
  });

  it('EXTERN_ID is sent as stored, or as its SHA-256 when asked', () => {
    expect(metaExternId('CRM-42')).toBe('CRM-42');
    expect(metaExternId('CRM-42', 'sha256')).toBe(sha256Hex('CRM-42'));
    expect(metaExternId('  ')).toBeNull();
  });
});

// Google's Data Manager API formatting rules and examples:
// https://developers.google.com/data-manager/api/devguides/concepts/formatting
describe("Google's published normalisation examples", () => {
  it('gmail.com: dots and +suffix removed before the @', () => {
    expect(normaliseGoogleEmail('cloudy.sanfrancisco+shopping@gmail.com')).toBe('cloudysanfrancisco@gmail.com');
    expect(googleEmail('cloudy.sanfrancisco+shopping@gmail.com')).toBe('223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4');
  });

  it('other domains keep dots and +, lower-cased', () => {
    expect(normaliseGoogleEmail('user.name+NYC@Example.com')).toBe('user.name+nyc@example.com');
    expect(googleEmail('user.name+NYC@Example.com')).toBe('f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac');
  });

  it('phone: US (800)555-0100 -> +18005550100, hashed', () => {
    expect(phoneE164('(800)555-0100', 'US')).toBe('+18005550100');
    expect(googlePhone('(800)555-0100', 'US')).toBe('fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30');
  });

  it('postal code: US 5 digits or ZIP+4, other countries as written; not hashed', () => {
    expect(googleZip('94303', 'US')).toBe('94303');
    expect(googleZip('94303-5300', 'US')).toBe('94303-5300');
    expect(googleZip('WC2H 8LG', 'GB')).toBe('WC2H 8LG');
  });
});

describe('Google edge cases', () => {
  it('removes all whitespace, googlemail.com too, and refuses a gmail address with nothing left', () => {
    expect(normaliseGoogleEmail(' Jane . Doe @ GoogleMail.com ')).toBe('janedoe@googlemail.com');
    expect(normaliseGoogleEmail('+tag@gmail.com')).toBeNull();
    expect(googleEmail('no-at-sign.example.com')).toBeNull();
  });

  it('phone E.164 with +, from national or international input', () => {
    expect(googlePhone('0901234567', 'VN')).toBe('0c450d4175db5d08e888c726767096ac29c6dfa0cc8e755e42af0629a1d7ca4c');
    expect(googlePhone('+84 90 123 45 67', 'VN')).toBe(sha256Hex('+84901234567'));
    expect(googlePhone('12345', 'VN')).toBeNull();
  });

  it('names: lower case, trimmed, no punctuation; accents kept', () => {
    expect(googleName('  Zoë ')).toBe(sha256Hex('zoë'));
    expect(googleName('Pérez')).toBe(sha256Hex('pérez'));
    expect(googleName("O'Brien")).toBe(sha256Hex('obrien'));
    expect(googleName('Jean Luc')).toBe(sha256Hex('jean luc'));
  });

  it('country: ISO alpha-2 upper case, not hashed', () => {
    expect(googleCountry(' vn')).toBe('VN');
    expect(googleCountry('Viet Nam')).toBeNull();
  });

  it('US zip forms, and a malformed one refused', () => {
    expect(googleZip('943035300', 'US')).toBe('94303-5300');
    expect(googleZip('94303 5300', 'US')).toBe('94303-5300');
    expect(googleZip('9430', 'US')).toBeNull();
    expect(googleZip(' 700000 ', 'VN')).toBe('700000');
  });
});
