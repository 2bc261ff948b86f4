/**
 * What a rule is evaluated against: a flat bag of attributes (dotted names, as rules write them),
 * the subject's events, and the profile-scoped segments the subject is known to belong to.
 * The edge builds one per request from the request and the visitor's cookie (`buildEdgeContext`);
 * the API builds one per profile (reference evaluation) or evaluates the same semantics in SQL.
 */
import { PAGE_QUERY_PREFIX, PAGE_VIEW_EVENT } from './attributes.js';
import { DAY_MS } from './rule.js';

/**
 * A runtime attribute value. Dates are ISO 8601 strings; `null` and `undefined` mean missing.
 * @example const v: AttrValue = ['newsletter', 'beta'];
 */
export type AttrValue = string | number | boolean | readonly string[] | null | undefined;

/**
 * One event of the subject. `at` is epoch milliseconds.
 * @example const e: EventRecord = { name: 'page_view', at: Date.UTC(2026, 10, 1), properties: { path: '/pricing' } };
 */
export interface EventRecord {
  name: string;
  at: number;
  properties: Readonly<Record<string, AttrValue>>;
}

/**
 * The subject of an evaluation.
 * @example const ctx: EvalContext = { attributes: { 'geo.country': 'VN' }, events: [], memberships: ['loyal'] };
 */
export interface EvalContext {
  attributes: Readonly<Record<string, AttrValue>>;
  events: readonly EventRecord[];
  /** Profile-scoped segments the subject belongs to, as told to the edge for identified visitors. */
  memberships?: readonly string[];
}

/**
 * Reads an attribute without ever touching the prototype chain.
 * @example readAttribute({ attributes: { 'geo.city': 'Hanoi' }, events: [] }, 'geo.city'); // 'Hanoi'
 */
export function readAttribute(attributes: Readonly<Record<string, AttrValue>>, path: string): AttrValue {
  return Object.hasOwn(attributes, path) ? attributes[path] : undefined;
}

/**
 * Geography of a request, as Cloudflare's `request.cf` reports it.
 * @example const g: EdgeGeo = { country: 'VN', region: 'HN', city: 'Hanoi', continent: 'AS', timezone: 'Asia/Ho_Chi_Minh' };
 */
export interface EdgeGeo {
  country?: string;
  region?: string;
  city?: string;
  continent?: string;
  postalCode?: string;
  timezone?: string;
}

/**
 * Device of a request, as the edge classifies its User-Agent and client hints.
 * @example const d: EdgeDevice = { type: 'mobile', os: 'iOS', browser: 'Safari' };
 */
export interface EdgeDevice {
  type?: string;
  os?: string;
  browser?: string;
}

/**
 * One past page view kept in the visitor's (bounded) history: when and which page.
 * @example const v: PageView = { at: 1764000000000, path: '/pricing', host: 'shop.example' };
 */
export interface PageView {
  at: number;
  path: string;
  host?: string;
}

/**
 * The visitor state the edge keeps in its signed cookie. `views` is bounded and newest last;
 * `pageViews` counts every view ever seen, including ones dropped from `views`.
 * @example const h: VisitorHistory = { firstSeen: 1764000000000, lastSeen: 1764003600000, pageViews: 4, views: [] };
 */
export interface VisitorHistory {
  firstSeen: number | null;
  lastSeen: number | null;
  pageViews: number;
  views: readonly PageView[];
}

/**
 * Everything the edge knows of one request.
 * @example const r: EdgeRequest = { url: 'https://shop.example/pricing?utm_source=google', geo: { country: 'VN' }, device: { type: 'mobile' } };
 */
export interface EdgeRequest {
  url: string;
  referrer?: string;
  geo: EdgeGeo;
  device: EdgeDevice;
}

/**
 * The prototype of the attribute objects `buildEdgeContext` makes: empty, frozen, with a null
 * prototype, so reading any attribute name finds an own value or nothing.
 * @example Object.getPrototypeOf(buildEdgeContext({ url: 'https://a.example/', geo: {}, device: {} }, null, 0).attributes) === ATTRIBUTES_PROTOTYPE; // true
 */
export const ATTRIBUTES_PROTOTYPE: object = Object.freeze(Object.create(null));
/** At most this many query parameters become `page.query.*` attributes. */
const MAX_QUERY_PARAMS = 64;

function safeUrl(raw: string | undefined): URL | null {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

const weekdayIndex: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
    } catch {
      f = null;
    }
    if (formatters.size < 512) formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Hour (0-23) and ISO day of week (1 = Monday) of `now` in `timeZone` (UTC when unknown).
 * @example localTime(Date.UTC(2026, 10, 23, 20), 'Asia/Ho_Chi_Minh'); // { hour: 3, dayOfWeek: 2 }
 */
export function localTime(now: number, timeZone: string | undefined): { hour: number; dayOfWeek: number } {
  const f = formatterFor(timeZone ?? 'UTC') ?? formatterFor('UTC');
  let hour = new Date(now).getUTCHours();
  let dayOfWeek = ((new Date(now).getUTCDay() + 6) % 7) + 1;
  if (f) {
    for (const part of f.formatToParts(new Date(now))) {
      if (part.type === 'hour') hour = Number(part.value) % 24;
      else if (part.type === 'weekday') dayOfWeek = weekdayIndex[part.value] ?? dayOfWeek;
    }
  }
  return { hour, dayOfWeek };
}

/**
 * Builds the evaluation context of one edge request. `history` is the state before this request;
 * this page view is added to the events and counters. The `page_view` events carry `path` and
 * `host` for past views and also `url` and `referrer` for the current one.
 * @example
 * const ctx = buildEdgeContext({ url: 'https://a.example/pricing', geo: { country: 'VN' }, device: { type: 'mobile' } }, null, Date.now());
 * ctx.attributes['page.path']; // '/pricing'
 */
export function buildEdgeContext(
  request: EdgeRequest,
  history: VisitorHistory | null,
  now: number,
  memberships?: readonly string[],
): EvalContext {
  const { geo, device } = request;
  const url = safeUrl(request.url);
  const path = url ? decodePath(url.pathname) : undefined;
  const query = url?.searchParams;
  const referrer = safeUrl(request.referrer);
  const pageViews = (history?.pageViews ?? 0) + 1;
  const { hour, dayOfWeek } = localTime(now, geo.timezone);
  // One object literal with every fixed attribute (absent ones undefined, which reads as missing):
  // V8 keeps it a compact fast-mode object of one shape, where a null-prototype object filled key by
  // key would be a hash table. Its prototype is frozen and empty, so no read reaches Object.prototype.
  const attributes: Record<string, AttrValue> = {
    __proto__: ATTRIBUTES_PROTOTYPE,
    'geo.country': geo.country,
    'geo.region': geo.region,
    'geo.city': geo.city,
    'geo.continent': geo.continent,
    'geo.postalCode': geo.postalCode,
    'geo.timezone': geo.timezone,
    'device.type': device.type,
    'device.os': device.os,
    'device.browser': device.browser,
    'page.url': url?.href,
    'page.host': url?.hostname,
    'page.path': path,
    'utm.source': query?.get('utm_source') ?? undefined,
    'utm.medium': query?.get('utm_medium') ?? undefined,
    'utm.campaign': query?.get('utm_campaign') ?? undefined,
    'utm.term': query?.get('utm_term') ?? undefined,
    'utm.content': query?.get('utm_content') ?? undefined,
    'page.referrer': request.referrer || undefined,
    'page.referrerHost': referrer?.hostname,
    'visit.pageViews': pageViews,
    'visit.isNew': history === null || history.pageViews === 0,
    'visit.firstSeen': new Date(history?.firstSeen ?? now).toISOString(),
    'visit.lastSeen': history?.lastSeen != null ? new Date(history.lastSeen).toISOString() : undefined,
    'time.hour': hour,
    'time.dayOfWeek': dayOfWeek,
  } as Record<string, AttrValue>;
  if (query) {
    let n = 0;
    for (const [name, value] of query) {
      if (n++ >= MAX_QUERY_PARAMS) break;
      const key = PAGE_QUERY_PREFIX + name;
      if (!Object.hasOwn(attributes, key)) attributes[key] = value;
    }
  }
  const events: EventRecord[] = [];
  for (const view of history?.views ?? []) {
    events.push({ name: PAGE_VIEW_EVENT, at: view.at, properties: { path: view.path, host: view.host } });
  }
  if (url) {
    events.push({
      name: PAGE_VIEW_EVENT,
      at: now,
      properties: { path, host: url.hostname, url: url.href, referrer: request.referrer },
    });
  }
  return { attributes, events, memberships };
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/**
 * Drops views older than `keepDays` and keeps at most `maxViews` (newest), adding `view`.
 * @example appendPageView({ firstSeen: null, lastSeen: null, pageViews: 0, views: [] }, { at: 0, path: '/' }, 30, 50).pageViews; // 1
 */
export function appendPageView(history: VisitorHistory | null, view: PageView, keepDays: number, maxViews: number): VisitorHistory {
  const cutoff = view.at - keepDays * DAY_MS;
  const kept = (history?.views ?? []).filter((v) => v.at >= cutoff && v.at <= view.at);
  kept.push(view);
  return {
    firstSeen: history?.firstSeen ?? view.at,
    lastSeen: view.at,
    pageViews: (history?.pageViews ?? 0) + 1,
    views: kept.slice(Math.max(0, kept.length - maxViews)),
  };
}
