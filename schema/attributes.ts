/**
 * The attribute catalogue: which attributes a rule may name, their types and scope.
 * Edge and computed profile attributes are fixed here; traits are declared per workspace and
 * passed in as data (`buildCatalogue(traits)`).
 */
import type { AttrType, Scope } from './rule.js';

/**
 * What the catalogue knows of one attribute.
 * @example const a: AttributeSpec = { path: 'geo.country', type: 'string', scope: 'edge', description: 'Country of the request', format: 'country' };
 */
export interface AttributeSpec {
  path: string;
  type: AttrType;
  scope: Scope;
  description: string;
  /** Values that are the only sensible ones (validation rejects others). */
  allowed?: readonly string[];
  /** Values the edge reports (a rule with another one is valid, with a warning: schema/rule-warnings.ts). */
  known?: readonly string[];
  /** A well-known string format that validation checks values against. */
  format?: 'country' | 'continent';
  /** Integer bounds for numbers that have them (hour of day, day of week). */
  range?: readonly [number, number];
}

/**
 * A trait declared by a workspace.
 * @example const t: TraitDefinition = { name: 'plan', type: 'string' };
 */
export interface TraitDefinition {
  name: string;
  type: AttrType;
  description?: string;
}

/** Device types the edge recognises (CONTRACT.md). */
export const DEVICE_TYPES = ['mobile', 'tablet', 'desktop', 'tv', 'console', 'wearable', 'bot'] as const;

/**
 * Operating systems the edge's device classifier reports (edge/context/device.ts names only these).
 * @example DEVICE_OSES.includes('iOS'); // true, and 'ios' is not
 */
export const DEVICE_OSES = ['iOS', 'watchOS', 'HarmonyOS', 'KaiOS', 'Tizen', 'webOS', 'PlayStation', 'Xbox', 'Nintendo', 'Android', 'Windows Phone', 'Windows', 'Chrome OS', 'macOS', 'Linux'] as const;

/**
 * Browsers the edge's device classifier reports (edge/context/device.ts names only these).
 * @example DEVICE_BROWSERS.includes('Samsung Internet'); // true
 */
export const DEVICE_BROWSERS = ['Edge', 'Opera', 'Samsung Internet', 'UC Browser', 'Yandex', 'Facebook', 'Instagram', 'Firefox', 'Chrome', 'Internet Explorer', 'Safari'] as const;

/** Continent codes as Cloudflare reports them. */
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;

/** Properties of the `page_view` event, all strings. */
export const PAGE_VIEW_PROPERTIES = ['path', 'host', 'url', 'referrer'] as const;

/** The name of the event the edge records for every page. */
export const PAGE_VIEW_EVENT = 'page_view';

const edge = (path: string, type: AttrType, description: string, extra: Partial<AttributeSpec> = {}): AttributeSpec => ({
  path,
  type,
  scope: 'edge',
  description,
  ...extra,
});
const computed = (path: string, type: AttrType, description: string): AttributeSpec => ({
  path,
  type,
  scope: 'profile',
  description,
});

/** Attributes available at the edge, from the request and the visitor's own history. */
export const EDGE_ATTRIBUTES: readonly AttributeSpec[] = [
  edge('geo.country', 'string', 'Country (ISO 3166-1 alpha-2, upper case): of the request; on a profile, see below', { format: 'country' }),
  edge('geo.region', 'string', 'Region code: of the request; on a profile, see below'),
  edge('geo.city', 'string', 'City: of the request; on a profile, see below'),
  edge('geo.continent', 'string', 'Continent code: of the request; on a profile, only from the last seen edge geography', { format: 'continent', allowed: CONTINENTS }),
  edge('geo.postalCode', 'string', 'Postal code: of the request; on a profile, see below'),
  edge('geo.timezone', 'string', 'IANA time zone: of the request; on a profile, only from the last seen edge geography'),
  edge('device.type', 'string', 'Device type', { allowed: DEVICE_TYPES }),
  edge('device.os', 'string', 'Operating system', { known: DEVICE_OSES }),
  edge('device.browser', 'string', 'Browser', { known: DEVICE_BROWSERS }),
  edge('page.url', 'string', 'Full URL of the page'),
  edge('page.host', 'string', 'Host of the page'),
  edge('page.path', 'string', 'Path of the page'),
  edge('page.referrer', 'string', 'Referrer URL'),
  edge('page.referrerHost', 'string', 'Host of the referrer'),
  edge('utm.source', 'string', 'utm_source of the page URL'),
  edge('utm.medium', 'string', 'utm_medium of the page URL'),
  edge('utm.campaign', 'string', 'utm_campaign of the page URL'),
  edge('utm.term', 'string', 'utm_term of the page URL'),
  edge('utm.content', 'string', 'utm_content of the page URL'),
  edge('visit.pageViews', 'number', "Page views in the visitor's history, this one included"),
  edge('visit.isNew', 'boolean', 'True on the first page view of a visitor'),
  edge('visit.firstSeen', 'date', 'When the visitor was first seen'),
  edge('visit.lastSeen', 'date', 'When the visitor was last seen, before this request'),
  edge('time.hour', 'number', "Hour of day (0-23) in the visitor's time zone", { range: [0, 23] }),
  edge('time.dayOfWeek', 'number', "Day of week (1 = Monday ... 7 = Sunday) in the visitor's time zone", { range: [1, 7] }),
];

/** Prefix of the geography attributes (`geo.<field>`), which stored profiles have too (schema/profile.ts `profileGeo`). */
export const GEO_PREFIX = 'geo.';

/** Prefix of the open family of page query parameters (`page.query.<name>`, strings). */
export const PAGE_QUERY_PREFIX = 'page.query.';
/** Prefix of declared traits (`traits.<name>`). */
export const TRAITS_PREFIX = 'traits.';

/** Profile attributes computed by the system (not declared). */
export const COMPUTED_ATTRIBUTES: readonly AttributeSpec[] = [
  computed('purchases.count', 'number', 'Number of purchases'),
  computed('purchases.total', 'number', 'Total revenue of purchases'),
  computed('purchases.first', 'date', 'First purchase'),
  computed('purchases.last', 'date', 'Last purchase'),
  computed('purchases.avgIntervalDays', 'number', 'Average number of days between purchases'),
  computed('purchases.daysSinceLast', 'number', 'Whole days since the last purchase'),
  computed('purchases.overdueRatio', 'number', 'Days since last purchase / average interval'),
  computed('profile.createdAt', 'date', 'When the profile was created'),
  computed('reachable.email', 'boolean', 'Has an e-mail address and consent to use it'),
  computed('reachable.phone', 'boolean', 'Has a phone number and consent to use it'),
];

/** Trait names: a letter, then letters, digits or underscores, at most 64. */
export const TRAIT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Everything validation needs to know about attribute names.
 * @example const cat = buildCatalogue([{ name: 'plan', type: 'string' }]); cat.lookup('traits.plan')?.type === 'string';
 */
export interface Catalogue {
  lookup(path: string): AttributeSpec | undefined;
  /** Every fixed and declared attribute (not the open `page.query.*` family). */
  list(): readonly AttributeSpec[];
}

/**
 * Builds the catalogue of one workspace from its declared traits.
 * @example buildCatalogue([{ name: 'age', type: 'number' }]).lookup('traits.age'); // { type: 'number', scope: 'profile', ... }
 */
export function buildCatalogue(traits: readonly TraitDefinition[]): Catalogue {
  const byPath = new Map<string, AttributeSpec>();
  for (const spec of [...EDGE_ATTRIBUTES, ...COMPUTED_ATTRIBUTES]) byPath.set(spec.path, spec);
  for (const trait of traits) {
    const path = TRAITS_PREFIX + trait.name;
    byPath.set(path, { path, type: trait.type, scope: 'profile', description: trait.description ?? `Trait ${trait.name}` });
  }
  const all = [...byPath.values()];
  return {
    lookup(path) {
      const known = byPath.get(path);
      if (known) return known;
      if (path.startsWith(PAGE_QUERY_PREFIX) && path.length > PAGE_QUERY_PREFIX.length) {
        return { path, type: 'string', scope: 'edge', description: `Query parameter ${path.slice(PAGE_QUERY_PREFIX.length)} of the page URL` };
      }
      return undefined;
    },
    list: () => all,
  };
}
