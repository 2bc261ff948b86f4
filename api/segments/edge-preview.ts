/**
 * What an edge rule would have tagged: an unsaved (or draft) edge-scoped rule replayed against the
 * workspace's recent page views. Each stored page view is turned back into the request the Worker
 * saw (its URL and referrer, the geography and device kept with it in events.context) and the
 * visitor's history before it (their earlier page views), evaluated with the reference evaluator at
 * the instant of the view, exactly as the edge would (schema/context.ts buildEdgeContext).
 *
 * Bounded work: the latest EDGE_PREVIEW_MAX_VISITS page views of the last EDGE_PREVIEW_DAYS days
 * (`complete` says whether that was all of them). Differences from the edge, by construction: a
 * person identified on two browsers has one history here (the edge keeps one per cookie), and page
 * views the Worker never reported (bots, visitors refusing tracking) are not replayed.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { events } from '../../drizzle/index.js';
import { PAGE_VIEW_EVENT } from '../../schema/attributes.js';
import { buildEdgeContext, type EdgeDevice, type EdgeGeo, type PageView, type VisitorHistory } from '../../schema/context.js';
import { evaluateRule, type ReferenceEnv } from '../../schema/reference.js';
import type { RuleNode } from '../../schema/rule.js';
import { MAX_HISTORY_DAYS } from '../../schema/ruleset-types.js';
import type { PublishedDefinitions } from './definitions.js';

export const EDGE_PREVIEW_DAYS = 7;
export const EDGE_PREVIEW_MAX_VISITS = 20_000;
/** Past views kept per visitor, as the edge's cookie does (edge/state/codec.ts STATE_LIMITS.maxViews). */
const HISTORY_VIEWS = 100;
/** How long the edge keeps history when no rule asks for page views (edge/visit/run.ts). */
const DEFAULT_KEEP_DAYS = 30;
const DAY_MS = 86_400_000;

/** The answer: page views replayed and matched, and their distinct visitors. */
export interface EdgePreview {
  days: number;
  from: Date;
  to: Date;
  visits: number;
  visitors: number;
  matchedVisits: number;
  matchedVisitors: number;
  /** False when the window held more page views than were replayed (the latest were). */
  complete: boolean;
}

type Visit = {
  profile_id: string;
  at: Date;
  url: string | null;
  referrer: string | null;
  geo: EdgeGeo | null;
  device: EdgeDevice | null;
};

/** The longest page_view window the rule (and the edge segments it references) reads, as the edge keeps history. */
function historyDays(rule: RuleNode, definitions: PublishedDefinitions, seen = new Set<string>()): number {
  switch (rule.kind) {
    case 'all':
    case 'any':
      return rule.rules.reduce((m, r) => Math.max(m, historyDays(r, definitions, seen)), 0);
    case 'not':
      return historyDays(rule.rule, definitions, seen);
    case 'event':
      return rule.event === PAGE_VIEW_EVENT ? Math.min(rule.inLastDays ?? MAX_HISTORY_DAYS, MAX_HISTORY_DAYS) : 0;
    case 'segment': {
      const target = definitions.bySlug.get(rule.slug);
      if (!target || seen.has(rule.slug)) return 0;
      seen.add(rule.slug);
      return historyDays(target.rule, definitions, seen);
    }
    default:
      return 0;
  }
}

/** Replays `rule` (edge-scoped, validated) against the recent page views of the workspace at `now`. */
export async function previewEdgeRule(db: Database, workspaceId: string, rule: RuleNode, definitions: PublishedDefinitions, now: Date): Promise<EdgePreview> {
  const from = new Date(now.getTime() - EDGE_PREVIEW_DAYS * DAY_MS);
  const { rows: latest } = await db.execute<Visit>(sql`
    select profile_id, occurred_at as at, properties->>'url' as url, properties->>'referrer' as referrer, context->'geo' as geo, context->'device' as device
    from ${events}
    where workspace_id = ${workspaceId}::uuid and name = ${PAGE_VIEW_EVENT}
      and occurred_at > ${from.toISOString()}::timestamptz and occurred_at <= ${now.toISOString()}::timestamptz
    order by occurred_at desc
    limit ${EDGE_PREVIEW_MAX_VISITS + 1}`);
  const complete = latest.length <= EDGE_PREVIEW_MAX_VISITS;
  const visits = latest.slice(0, EDGE_PREVIEW_MAX_VISITS).map((v) => ({ ...v, at: new Date(v.at) }));
  const answer = { days: EDGE_PREVIEW_DAYS, from, to: now, visits: visits.length, complete };
  if (visits.length === 0) return { ...answer, visitors: 0, matchedVisits: 0, matchedVisitors: 0 };

  const keepDays = Math.max(1, historyDays(rule, definitions) || DEFAULT_KEEP_DAYS);
  const oldest = visits[visits.length - 1]!.at.getTime();
  const historyFrom = new Date(oldest - keepDays * DAY_MS).toISOString();
  const profileIds = JSON.stringify([...new Set(visits.map((v) => v.profile_id))]);
  // Every view of these visitors in the history window (the replayed ones included), and what came before it.
  const [{ rows: views }, { rows: before }] = await Promise.all([
    db.execute<{ profile_id: string; at: Date; path: string | null; host: string | null }>(sql`
      select e.profile_id, e.occurred_at as at, e.properties->>'path' as path, e.properties->>'host' as host
      from ${events} e join jsonb_array_elements_text(${profileIds}::jsonb) p(id) on e.profile_id = p.id::uuid
      where e.name = ${PAGE_VIEW_EVENT} and e.occurred_at >= ${historyFrom}::timestamptz and e.occurred_at <= ${now.toISOString()}::timestamptz
      order by e.profile_id, e.occurred_at`),
    db.execute<{ profile_id: string; n: number; first: Date }>(sql`
      select e.profile_id, count(*)::int as n, min(e.occurred_at) as first
      from ${events} e join jsonb_array_elements_text(${profileIds}::jsonb) p(id) on e.profile_id = p.id::uuid
      where e.name = ${PAGE_VIEW_EVENT} and e.occurred_at < ${historyFrom}::timestamptz
      group by e.profile_id`),
  ]);
  const history = new Map<string, PageView[]>();
  for (const v of views) {
    if (v.path === null) continue;
    const list = history.get(v.profile_id) ?? [];
    list.push({ at: new Date(v.at).getTime(), path: v.path, host: v.host ?? undefined });
    history.set(v.profile_id, list);
  }
  const earlier = new Map(before.map((b) => [b.profile_id, { n: Number(b.n), first: new Date(b.first).getTime() }]));

  const env: ReferenceEnv = {
    mode: 'edge',
    segment: (slug) => {
      const d = definitions.bySlug.get(slug);
      return d && d.type === 'dynamic' ? { rule: d.rule, scope: d.scope, published: true } : undefined;
    },
  };
  let matchedVisits = 0;
  const matched = new Set<string>();
  for (const visit of visits) {
    const at = visit.at.getTime();
    const all = history.get(visit.profile_id) ?? [];
    const prior = all.filter((v) => v.at < at);
    const older = earlier.get(visit.profile_id);
    const state: VisitorHistory | null =
      prior.length === 0 && !older
        ? null
        : {
            firstSeen: older?.first ?? prior[0]!.at,
            lastSeen: prior.at(-1)?.at ?? null,
            pageViews: (older?.n ?? 0) + prior.length,
            views: prior.filter((v) => v.at >= at - keepDays * DAY_MS).slice(-HISTORY_VIEWS),
          };
    const request = { url: visit.url ?? '', referrer: visit.referrer ?? undefined, geo: visit.geo ?? {}, device: visit.device ?? {} };
    if (evaluateRule(rule, buildEdgeContext(request, state, at, []), at, env)) {
      matchedVisits++;
      matched.add(visit.profile_id);
    }
  }
  return { ...answer, visitors: new Set(visits.map((v) => v.profile_id)).size, matchedVisits, matchedVisitors: matched.size };
}
