/**
 * Checks and normalises profile input before anything is written: every problem of a batch is
 * collected with its path (`inputs[3].traits.plan`), then reported at once.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { TraitType } from '../traits/traits.service.js';
import { parseIsoDate } from '../../schema/dates.js';

export interface ConsentData {
  email?: boolean | null;
  sms?: boolean | null;
  ads?: boolean | null;
}

/** What a client sends for one profile; absent fields are left as they are. */
export interface ProfileData {
  externalId: string;
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  city?: string | null;
  region?: string | null;
  postalCode?: string | null;
  country?: string | null;
  madid?: string | null;
  /** Merged into the stored traits; a null value removes that trait. */
  traits?: Record<string, unknown> | null;
  consent?: ConsentData | null;
  /** Edge visitor ids (`ae_vid`) that belong to this person. */
  visitorIds?: readonly string[] | null;
}

export interface Problem {
  path: string;
  message: string;
}

export const TEXT_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'city', 'region', 'postalCode', 'country', 'madid'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

const MAX_TEXT = 512;
const MAX_VISITOR_IDS = 50;

/** Problems of one trait value against its declared type (none when it fits). */
export function traitValueProblem(type: TraitType, value: unknown): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length <= 4096 ? null : 'must be a string (at most 4,096 characters)';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && parseIsoDate(value) !== null ? null : "must be an ISO 8601 date such as '2026-01-31' or '2026-01-31T09:30:00Z'";
    case 'stringList':
      return Array.isArray(value) && value.length <= 1000 && value.every((v) => typeof v === 'string') ? null : 'must be a list of strings';
    default: {
      const never: never = type;
      return `has an unknown type ${String(never)}`;
    }
  }
}

/** Every problem of one profile input, paths under `path`. */
export function profileProblems(input: ProfileData, declared: ReadonlyMap<string, TraitType>, path: string): Problem[] {
  const problems: Problem[] = [];
  const add = (p: string, message: string) => problems.push({ path: `${path}.${p}`, message });
  if (typeof input.externalId !== 'string' || input.externalId.trim() === '' || input.externalId.length > 256) {
    add('externalId', 'is required: 1 to 256 characters');
  }
  for (const field of TEXT_FIELDS) {
    const value = input[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > MAX_TEXT)) add(field, `must be a string of at most ${MAX_TEXT} characters`);
  }
  if (typeof input.email === 'string' && input.email.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(input.email.trim())) add('email', 'is not an e-mail address');
  if (typeof input.country === 'string' && input.country !== '' && !/^[A-Za-z]{2}$/.test(input.country)) add('country', "must be a 2-letter ISO 3166-1 code such as 'VN'");
  if (input.traits !== undefined && input.traits !== null) {
    if (typeof input.traits !== 'object' || Array.isArray(input.traits)) add('traits', 'must be an object of trait names to values');
    else {
      for (const [name, value] of Object.entries(input.traits)) {
        const type = declared.get(name);
        if (!type) add(`traits.${name}`, `'${name.slice(0, 80)}' is not a declared trait: declare it with defineTrait first`);
        else if (value !== null) {
          const problem = traitValueProblem(type, value);
          if (problem) add(`traits.${name}`, `${problem} (declared as ${type})`);
        }
      }
    }
  }
  const visitors = input.visitorIds;
  if (visitors !== undefined && visitors !== null) {
    if (visitors.length > MAX_VISITOR_IDS) add('visitorIds', `at most ${MAX_VISITOR_IDS} visitor ids`);
    visitors.forEach((v, i) => {
      if (typeof v !== 'string' || v === '' || v.length > 128) add(`visitorIds[${i}]`, 'must be a visitor id of 1 to 128 characters');
    });
  }
  return problems;
}

/** Trims text; '' means "clear" (null). */
export function cleanText(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The E.164 form of a phone number, read with `country` as the default region; null if it is not a valid number. */
export function phoneToE164(phone: string | null, country: string | null): string | null {
  if (!phone) return null;
  const parsed = parsePhoneNumberFromString(phone, (country?.toUpperCase() || undefined) as CountryCode | undefined);
  return parsed && parsed.isValid() ? parsed.number : null;
}
