/**
 * Turns an evaluation context (an attribute bag, as the golden cases and property tests write it)
 * into a stored profile, so that the SQL evaluator can be run on the same subject as the reference
 * evaluator. Not every bag can be stored (edge attributes, a wrongly typed purchase count ...);
 * `storedProfileFor` says so by returning null, and the callers count what they skipped.
 */
import type { AttrValue, EdgeGeo, EvalContext } from '../../schema/context.js';
import { dateValue } from '../../schema/dates.js';
import { hasStoredAddress, PROFILE_GEO_FIELDS, profileAttributes, type StoredProfile } from '../../schema/profile.js';
import { DAY_MS, type RuleNode } from '../../schema/rule.js';

/** Every attribute path a rule reads (event properties excluded). */
export function attributePaths(rule: RuleNode, into = new Set<string>()): Set<string> {
  switch (rule.kind) {
    case 'all':
    case 'any':
      for (const r of rule.rules) attributePaths(r, into);
      break;
    case 'not':
      attributePaths(rule.rule, into);
      break;
    case 'condition':
      into.add(rule.attr);
      break;
    default:
      break;
  }
  return into;
}

const isMissing = (v: AttrValue) => v === undefined || v === null;

function same(a: AttrValue, b: AttrValue): boolean {
  if (isMissing(a) || isMissing(b)) return isMissing(a) && isMissing(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A stored profile whose attributes, for every path in `paths`, equal the context's; else null.
 */
export function storedProfileFor(ctx: EvalContext, paths: ReadonlySet<string>, now: number): StoredProfile | null {
  const a = ctx.attributes;
  const read = (p: string): AttrValue => (Object.hasOwn(a, p) ? a[p] : undefined);
  const traits: Record<string, unknown> = {};
  for (const key of Object.keys(a)) {
    if (key.startsWith('traits.') && a[key] !== undefined) traits[key.slice('traits.'.length)] = a[key];
  }
  const num = (p: string, fallback: number) => {
    const v = read(p);
    return typeof v === 'number' ? v : fallback;
  };
  const date = (p: string) => dateValue(read(p));
  const email = read('reachable.email') === true;
  const phone = read('reachable.phone') === true;
  const profile: StoredProfile = {
    traits,
    createdAt: date('profile.createdAt') ?? now - 365 * DAY_MS,
    email: email ? 'someone@example.com' : null,
    phone: phone ? '+84912345678' : null,
    consentEmail: email,
    consentSms: phone,
    purchaseCount: num('purchases.count', 0),
    purchaseTotal: num('purchases.total', 0),
    firstPurchaseAt: date('purchases.first'),
    lastPurchaseAt: date('purchases.last'),
    avgIntervalDays: typeof read('purchases.avgIntervalDays') === 'number' ? (read('purchases.avgIntervalDays') as number) : null,
  };
  // geo.*: a stored address of the bag's country, region, city and postal code; a bag with only
  // continent or time zone (which an address lacks) is the last seen edge geography instead.
  const text = (p: string) => {
    const v = read(p);
    return typeof v === 'string' ? v : null;
  };
  const address = { country: text('geo.country'), region: text('geo.region'), city: text('geo.city'), postalCode: text('geo.postalCode') };
  if (hasStoredAddress(address)) profile.address = address;
  else {
    const seen: EdgeGeo = {};
    for (const [path] of PROFILE_GEO_FIELDS) {
      const v = text(path);
      if (v !== null) seen[path.slice('geo.'.length) as keyof EdgeGeo] = v;
    }
    profile.seenGeo = seen;
  }
  const days = read('purchases.daysSinceLast');
  if (profile.lastPurchaseAt === null && typeof days === 'number' && Number.isInteger(days)) {
    profile.lastPurchaseAt = now - days * DAY_MS;
  }
  const derived = profileAttributes(profile, now);
  for (const path of paths) {
    const stored = Object.hasOwn(derived, path) ? derived[path] : undefined;
    if (!same(stored, read(path))) return null;
  }
  return profile;
}
