/**
 * A ruleset as the feed serves it (JSON text), checked the same way wherever it comes from: the API,
 * the location's cache or Workers KV. Anything that is not a valid ruleset is refused with a reason,
 * never thrown, so a corrupt copy can only be ignored.
 */
import { prepareRuleset, type PreparedRuleset } from '../../schema/ruleset.js';

/** Larger rulesets are refused unread (a ruleset of 1,000 segments is a few hundred KB). */
export const MAX_RULESET_BYTES = 16 * 1024 * 1024;

/** A good ruleset with what identifies it: the feed's ETag and the raw text (to share it on). */
export interface HeldRuleset {
  ruleset: PreparedRuleset;
  etag: string | null;
  text: string;
}

export type ReadRuleset = { ok: true; held: HeldRuleset } | { ok: false; error: string };

export function readRulesetText(text: string, etag: string | null): ReadRuleset {
  if (text.length > MAX_RULESET_BYTES) return { ok: false, error: 'ruleset too large' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'invalid JSON' };
  }
  const prepared = prepareRuleset(json);
  if (!prepared.ok) return { ok: false, error: `ruleset rejected: ${prepared.errors.slice(0, 3).join('; ')}` };
  return { ok: true, held: { ruleset: prepared.ruleset, etag, text } };
}

/** Settles like `promise`, or rejects after `ms` (a stuck KV or cache call must not hold a request). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
