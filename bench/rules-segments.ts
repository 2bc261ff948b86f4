/**
 * 1,000 edge segments as a marketer would write them, validated through `validateRule`.
 */
import { buildCatalogue } from '../schema/attributes.js';
import type { ConditionJson, EventJson, RuleJson } from '../schema/rule.js';
import type { SegmentDefinition } from '../schema/ruleset.js';
import { validateRule } from '../schema/validate.js';
import { COUNTRY_CODES, DEVICE_TYPES, PATH_GLOBS, REFERRER_SUFFIXES, UTM_CAMPAIGNS, UTM_SOURCES } from './rules-data.js';
import type { Random } from './rules-random.js';

/** A generated segment before validation. */
export interface SegmentJson {
  slug: string;
  rule: RuleJson;
}

type Kind = 'country' | 'device' | 'path' | 'pageViews' | 'utm' | 'hour' | 'referrer';

const KIND_WEIGHTS: ReadonlyArray<readonly [Kind, number]> = [
  ['country', 30],
  ['device', 18],
  ['path', 14],
  ['pageViews', 18],
  ['utm', 12],
  ['hour', 4],
  ['referrer', 4],
];

function listOrEq(attr: string, values: readonly string[], random: Random): ConditionJson {
  return values.length === 1 && random.chance(0.5)
    ? { attr, op: 'eq', value: values[0] as string }
    : { attr, op: 'in', value: [...values] };
}

function pageViews(random: Random): EventJson {
  const where: ConditionJson[] = [{ attr: 'path', op: 'matches', value: random.pick(PATH_GLOBS) }];
  const inLastDays = random.int(7, 30);
  const roll = random.next();
  if (roll < 0.05) return { event: 'page_view', where, min: 0, max: 0, inLastDays };
  if (roll < 0.15) return { event: 'page_view', where, inLastDays };
  return { event: 'page_view', where, min: random.int(2, 5), inLastDays };
}

function condition(kind: Kind, random: Random): RuleJson {
  switch (kind) {
    case 'country':
      return listOrEq('geo.country', random.sample(COUNTRY_CODES, random.int(1, 8)), random);
    case 'device': {
      const targeted = DEVICE_TYPES.filter(([type]) => type !== 'bot');
      const types = random.chance(0.75) ? [random.weighted(targeted)] : random.sample(targeted.map(([type]) => type), 2);
      return listOrEq('device.type', types, random);
    }
    case 'path':
      return { attr: 'page.path', op: 'matches', value: random.pick(PATH_GLOBS) };
    case 'pageViews':
      return pageViews(random);
    case 'utm':
      return random.chance(0.6)
        ? listOrEq('utm.source', random.sample(UTM_SOURCES.map(([source]) => source), random.int(1, 3)), random)
        : listOrEq('utm.campaign', random.sample(UTM_CAMPAIGNS, random.int(1, 2)), random);
    case 'hour': {
      const low = random.int(0, 20);
      return { attr: 'time.hour', op: 'between', value: [low, Math.min(23, low + random.int(2, 8))] };
    }
    case 'referrer':
      return { attr: 'page.referrerHost', op: 'endsWith', value: random.pick(REFERRER_SUFFIXES) };
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function pickKinds(random: Random, count: number): Kind[] {
  const kinds = new Set<Kind>();
  while (kinds.size < count) kinds.add(random.weighted(KIND_WEIGHTS));
  const order: readonly Kind[] = KIND_WEIGHTS.map(([kind]) => kind);
  return [...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** One segment: 2-4 conditions, sometimes two of them in an `any`, sometimes one negated. */
export function generateSegment(random: Random, index: number): SegmentJson {
  const kinds = pickKinds(random, random.int(2, 4));
  const rules = kinds.map((kind) => condition(kind, random));
  if (rules.length >= 3 && random.chance(0.15)) {
    const pair = rules.splice(random.int(1, rules.length - 2), 2);
    rules.push({ any: pair });
  }
  if (random.chance(0.12)) {
    const at = random.int(1, rules.length - 1);
    rules[at] = { not: rules[at] as RuleJson };
  }
  return { slug: `seg-${String(index).padStart(4, '0')}-${kinds.join('-')}`, rule: { all: rules } };
}

export function generateSegments(random: Random, count: number): SegmentJson[] {
  return Array.from({ length: count }, (_, i) => generateSegment(random, i));
}

/** Validates every segment as the API would before storing it; throws listing the first problems. */
export function validateSegments(segments: readonly SegmentJson[]): SegmentDefinition[] {
  const catalogue = buildCatalogue([]);
  const context = { segments: new Map() };
  const problems: string[] = [];
  const definitions: SegmentDefinition[] = [];
  for (const { slug, rule } of segments) {
    const result = validateRule(rule, catalogue, context);
    if (!result.ok) {
      problems.push(`${slug}: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      continue;
    }
    if (result.scope !== 'edge') problems.push(`${slug}: scope is ${result.scope}, expected edge`);
    definitions.push({ slug, rule: result.rule, scope: result.scope });
  }
  if (problems.length > 0) {
    throw new Error(`${problems.length} generated segments are invalid:\n${problems.slice(0, 10).join('\n')}`);
  }
  return definitions;
}
