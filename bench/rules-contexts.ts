/**
 * 10,000 request contexts built the way the Worker builds them (`buildEdgeContext`) from random
 * URLs, geographies, devices and visitor histories, plus the flat objects GrowthBook and
 * json-logic-js read.
 */
import { PAGE_VIEW_EVENT } from '../schema/attributes.js';
import { buildEdgeContext, type EdgeRequest, type EvalContext, type PageView, type VisitorHistory } from '../schema/context.js';
import { DAY_MS } from '../schema/rule.js';
import {
  COUNTRIES,
  DEVICE_OS,
  DEVICE_TYPES,
  randomPath,
  REFERRER_HOSTS,
  UTM_CAMPAIGNS,
  UTM_MEDIUMS,
  UTM_SOURCES,
} from './rules-data.js';
import type { Random } from './rules-random.js';

const SITE = 'https://shop.example';

function randomUrl(random: Random): string {
  const path = randomPath(random.pick, random.next());
  const params = new URLSearchParams();
  if (random.chance(0.4)) {
    params.set('utm_source', random.weighted(UTM_SOURCES));
    params.set('utm_medium', random.pick(UTM_MEDIUMS));
    if (random.chance(0.8)) params.set('utm_campaign', random.pick(UTM_CAMPAIGNS));
  }
  if (random.chance(0.1)) params.set('ref', `r${random.int(1, 999)}`);
  const query = params.toString();
  return `${SITE}${path}${query ? `?${query}` : ''}`;
}

/** 0-40 page views spread over the last 40 days, oldest first; `null` for a first visit. */
function randomHistory(random: Random, now: number): VisitorHistory | null {
  if (random.chance(0.2)) return null;
  const count = random.int(0, 40);
  const views: PageView[] = [];
  for (let i = 0; i < count; i++) {
    views.push({ at: now - Math.floor(random.next() * 40 * DAY_MS), path: randomPath(random.pick, random.next()), host: 'shop.example' });
  }
  views.sort((a, b) => a.at - b.at);
  const first = views[0]?.at ?? now - random.int(1, 90) * DAY_MS;
  return {
    firstSeen: Math.min(first, now - random.int(0, 60) * DAY_MS),
    lastSeen: views[views.length - 1]?.at ?? first,
    pageViews: count + random.int(0, 5),
    views,
  };
}

/** One request as the Worker sees it, with the visitor's state before it. */
export interface GeneratedRequest {
  request: EdgeRequest;
  history: VisitorHistory | null;
}

export function generateRequests(random: Random, count: number, now: number): GeneratedRequest[] {
  const out: GeneratedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const [country, continent, timezone] = random.weighted(COUNTRIES.map((entry) => [entry, entry[3]] as const));
    const type = random.weighted(DEVICE_TYPES);
    const referrerHost = random.weighted(REFERRER_HOSTS);
    const request: EdgeRequest = {
      url: randomUrl(random),
      geo: { country, continent, timezone, city: `City-${random.int(1, 30)}` },
      device: { type, os: random.pick(DEVICE_OS[type] ?? ['Other']) },
    };
    if (referrerHost !== null) request.referrer = `https://${referrerHost}/${random.chance(0.5) ? 'search' : ''}`;
    out.push({ request, history: randomHistory(random, now) });
  }
  return out;
}

export function buildContexts(requests: readonly GeneratedRequest[], now: number): EvalContext[] {
  return requests.map(({ request, history }) => buildEdgeContext(request, history, now));
}

/** A page view as the competitors see it: an element of the `views` array. */
export interface FlatView {
  path: unknown;
  at: number;
}

/**
 * What GrowthBook and json-logic-js evaluate against: the same attributes nested by their dotted
 * names (`geo.country` -> `{ geo: { country } }`, which both libraries' dotted paths read), and
 * the page views (history and this request) as an array.
 */
export interface FlatContext {
  [key: string]: unknown;
  views: FlatView[];
}

export function toFlatContext(ctx: EvalContext): FlatContext {
  const flat: FlatContext = { views: [] };
  for (const [name, value] of Object.entries(ctx.attributes)) {
    if (value === undefined || value === null) continue;
    const parts = name.split('.');
    let node: Record<string, unknown> = flat;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      node = typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : (node[part] = {});
    }
    node[parts[parts.length - 1] as string] = value;
  }
  for (const event of ctx.events) {
    if (event.name === PAGE_VIEW_EVENT) flat.views.push({ path: event.properties['path'], at: event.at });
  }
  return flat;
}
