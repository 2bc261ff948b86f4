/**
 * Consent: a visitor refuses tracking with the Global Privacy Control header (`Sec-GPC: 1`) or the
 * consent cookie `ae_consent=denied` (set by the site's consent banner; any other value, or none,
 * allows). A refusing visitor gets no id, no cookie, no history and is never reported.
 */
import { CONSENT_COOKIE, CONSENT_DENIED_VALUES, readCookie } from '../state/cookies.js';

export function refusesTracking(headers: Headers): boolean {
  if (headers.get('sec-gpc')?.trim() === '1') return true;
  const consent = readCookie(headers.get('cookie'), CONSENT_COOKIE);
  return consent !== null && CONSENT_DENIED_VALUES.includes(consent.trim().toLowerCase());
}
