/**
 * Field normalisers for audience exports: one function per field and destination, pure (no IO).
 * Each returns the cell value (hashed where the platform requires it) or null when the input is
 * empty or unusable, so the caller can tell "absent" (empty input) from "invalid" (input given,
 * null out) and count the skips.
 *
 * Sources, read 2026:
 * - Meta, Customer File Custom Audiences (multi-key schema EMAIL, PHONE, FN, LN, CT, ST, ZIP,
 *   COUNTRY, MADID, EXTERN_ID):
 *   https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
 *   with the per-field rules and worked hashes of
 *   https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
 * - Google Customer Match, Data Manager API "Format user data":
 *   https://developers.google.com/data-manager/api/devguides/concepts/formatting
 *   and the Customer Match CSV guidelines https://support.google.com/google-ads/answer/7476159
 */
import { createHash } from 'node:crypto';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** SHA-256 of the UTF-8 bytes, lower-case hex. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

const hashed = (value: string | null): string | null => (value === null ? null : sha256Hex(value));
const blank = (raw: string | null | undefined): raw is null | undefined => raw == null || raw.trim() === '';

// ---------------------------------------------------------------- shared normalisation

const EMAIL = /^[^\s@]+@([^\s@.]+\.)+[^\s@.]{2,}$/u;

/** Trimmed and lower-cased; null unless it has a local part, an '@' and a dotted domain. */
export function normaliseEmail(raw: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : null;
}

/** ISO 3166-1 alpha-2 in upper case, or null. */
export function normaliseCountry(raw: string | null | undefined): CountryCode | null {
  if (blank(raw)) return null;
  const code = raw.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code) ? code : null;
}

/**
 * E.164 with '+'. A national number gets its country code from `country` (the profile's country);
 * null when libphonenumber (full metadata) says the number is not valid.
 */
export function phoneE164(raw: string | null | undefined, country: string | null | undefined): string | null {
  if (blank(raw)) return null;
  // Meta's and Google's forms of one profile's phone are made one after the other: parse it once.
  if (lastPhone.raw === raw && lastPhone.country === country) return lastPhone.e164;
  const phone = parsePhoneNumberFromString(raw.trim(), normaliseCountry(country) ?? undefined);
  const e164 = phone !== undefined && phone.isValid() ? phone.number : null;
  lastPhone = { raw, country, e164 };
  return e164;
}

let lastPhone: { raw: string; country: string | null | undefined; e164: string | null } = { raw: '', country: null, e164: null };

/** NFC (so a precomposed and a combining 'é' hash alike), lower case, letters and marks only. */
function lettersOnly(raw: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const letters = raw.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{M}]/gu, '');
  return letters === '' ? null : letters;
}

// ---------------------------------------------------------------- Meta

/** EMAIL: trim, lower case, SHA-256. */
export const metaEmail = (raw: string | null | undefined): string | null => hashed(normaliseEmail(raw));

/** PHONE: digits only with the country code, no '+' or leading zeros, SHA-256. */
export function metaPhone(raw: string | null | undefined, country: string | null | undefined): string | null {
  const e164 = phoneE164(raw, country);
  return e164 === null ? null : sha256Hex(e164.slice(1));
}

/** FN / LN: lower case, no punctuation; non-Latin letters kept as UTF-8 ("Valéry" -> "valéry"). */
export const metaName = (raw: string | null | undefined): string | null => hashed(lettersOnly(raw));

/** CT: lower case, no punctuation, special characters or spaces ("New York" -> "newyork"). */
export const metaCity = (raw: string | null | undefined): string | null => hashed(lettersOnly(raw));

const US_STATES = new Map<string, string>(
  ('al:alabama ak:alaska az:arizona ar:arkansas ca:california co:colorado ct:connecticut de:delaware ' +
    'dc:districtofcolumbia fl:florida ga:georgia hi:hawaii id:idaho il:illinois in:indiana ia:iowa ' +
    'ks:kansas ky:kentucky la:louisiana me:maine md:maryland ma:massachusetts mi:michigan mn:minnesota ' +
    'ms:mississippi mo:missouri mt:montana ne:nebraska nv:nevada nh:newhampshire nj:newjersey ' +
    'nm:newmexico ny:newyork nc:northcarolina nd:northdakota oh:ohio ok:oklahoma or:oregon ' +
    'pa:pennsylvania ri:rhodeisland sc:southcarolina sd:southdakota tn:tennessee tx:texas ut:utah ' +
    'vt:vermont va:virginia wa:washington wv:westvirginia wi:wisconsin wy:wyoming as:americansamoa ' +
    'gu:guam mp:northernmarianaislands pr:puertorico vi:virginislands um:unitedstatesminoroutlyingislands')
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);
const US_STATE_BY_NAME = new Map([...US_STATES].map(([code, name]) => [name, code]));

/** The 2-letter lower-case ANSI code of a US state (code or full name), or null. */
export function usStateCode(raw: string | null | undefined): string | null {
  const compact = lettersOnly(raw);
  if (compact === null) return null;
  if (compact.length === 2 && US_STATES.has(compact)) return compact;
  return US_STATE_BY_NAME.get(compact) ?? null;
}

/**
 * ST: US states as their lower-case 2-letter ANSI code (an unknown US state is invalid); elsewhere
 * lower case with no punctuation, special characters or spaces. Without a country, a full US state
 * name still becomes its code.
 */
export function metaState(raw: string | null | undefined, country: string | null | undefined): string | null {
  const iso = normaliseCountry(country);
  if (iso === 'US') return hashed(usStateCode(raw));
  const compact = lettersOnly(raw);
  if (iso === null && compact !== null) return hashed(US_STATE_BY_NAME.get(compact) ?? compact);
  return hashed(compact);
}

/** ZIP: lower case, no spaces or dashes; US: the first 5 digits (ZIP+4 dropped). UK kept whole ("M1 1AE" -> "m11ae"). */
export function metaZip(raw: string | null | undefined, country: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const compact = raw.toLowerCase().replace(/[\s-]/gu, '');
  if (normaliseCountry(country) === 'US') return hashed(/^\d{5}(\d{4})?$/.test(compact) ? compact.slice(0, 5) : null);
  return hashed(/^[\p{L}\p{N}]+$/u.test(compact) ? compact : null);
}

/** COUNTRY: lower-case ISO 3166-1 alpha-2, SHA-256. */
export function metaCountry(raw: string | null | undefined): string | null {
  const iso = normaliseCountry(raw);
  return iso === null ? null : sha256Hex(iso.toLowerCase());
}

const MADID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** MADID (IDFA / GAID): lower case, hyphens kept, not hashed. The all-zero id (tracking limited) is invalid. */
export function metaMadid(raw: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const id = raw.trim().toLowerCase();
  return MADID.test(id) && /[1-9a-f]/.test(id) ? id : null;
}

/** EXTERN_ID: not hashed (Meta), or with `sha256` the digest an erasure tombstone keeps, so a delta can remove it. */
export function metaExternId(raw: string | null | undefined, form: 'raw' | 'sha256' = 'raw'): string | null {
  if (blank(raw)) return null;
  return form === 'sha256' ? sha256Hex(raw) : raw;
}

// ---------------------------------------------------------------- Google

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * email_address: lower case, all whitespace removed; for gmail.com and googlemail.com the dots of
 * the local part and any '+suffix' removed ("cloudy.sanfrancisco+shopping@gmail.com" ->
 * "cloudysanfrancisco@gmail.com"); other domains keep dots and '+'. Returns the unhashed form.
 */
export function normaliseGoogleEmail(raw: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const email = normaliseEmail(raw.replace(/\s/gu, ''));
  if (email === null) return null;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (!GMAIL_DOMAINS.has(domain)) return email;
  const local = email.slice(0, at).split('+')[0]!.replace(/\./g, '');
  return local === '' ? null : `${local}@${domain}`;
}

/** Email: normalised as above, SHA-256. */
export const googleEmail = (raw: string | null | undefined): string | null => hashed(normaliseGoogleEmail(raw));

/** Phone: E.164 with '+' and the country code, SHA-256. */
export const googlePhone = (raw: string | null | undefined, country: string | null | undefined): string | null =>
  hashed(phoneE164(raw, country));

/** First Name / Last Name: lower case, no punctuation, leading and trailing whitespace trimmed, SHA-256. */
export function googleName(raw: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const name = raw.normalize('NFC').toLowerCase().replace(/\p{P}/gu, '').trim();
  return name === '' ? null : sha256Hex(name);
}

/** Country: ISO 3166-1 alpha-2, not hashed. */
export const googleCountry = (raw: string | null | undefined): string | null => normaliseCountry(raw);

/**
 * Zip: not hashed. US: 5 digits, or 5 digits and the 4-digit extension as "94303-5300" (Google:
 * the extension may improve the match rate). Elsewhere trimmed, spaces collapsed, upper case.
 */
export function googleZip(raw: string | null | undefined, country: string | null | undefined): string | null {
  if (blank(raw)) return null;
  const zip = raw.trim().replace(/\s+/gu, ' ').toUpperCase();
  if (normaliseCountry(country) !== 'US') return /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u.test(zip) ? zip : null;
  const us = /^(\d{5})(?:[ -]?(\d{4}))?$/.exec(zip);
  if (us === null) return null;
  return us[2] === undefined ? us[1]! : `${us[1]}-${us[2]}`;
}

// ---------------------------------------------------------------- Generic

/** email_sha256: SHA-256 of the trimmed, lower-cased address. */
export const genericEmailSha256 = metaEmail;

/** phone_sha256: SHA-256 of E.164 with '+' (the profile's `phone_e164` form). */
export const genericPhoneSha256 = googlePhone;
