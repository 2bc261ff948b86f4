/**
 * Health of the segments the edge tags (DOMAIN.md's marks of a good segment), judged on their edge
 * reach instead of stored members: an EDGE rule (request attributes: page, campaign, device, place)
 * has visitors, not stored members. A published EDGE segment is judged here when the edge tagged at
 * least as many distinct visitors in the last 30 days as it has stored members (a `geo.*` rule may
 * match stored addresses too: then whichever is larger decides); a draft EDGE segment is judged on
 * the replay of its rule over the last 7 days of page views (edge-preview.ts).
 */
import type { EdgeReachCounts } from '../events/edge-reach.js';
import type { EdgePreview } from '../segments/edge-preview.js';
import { comparePair } from './overlap.service.js';
import type { Check, HealthFacts } from './health.verdicts.js';
import {
  DISTINCT_FAIL_JACCARD,
  DISTINCT_WARN_JACCARD,
  STABILITY_WINDOW_DAYS,
  STABLE_MAX_SWING,
  SUBSTANTIAL_MIN_MEMBERS,
  SUBSTANTIAL_MIN_SHARE,
  UNSTABLE_SWING,
} from './thresholds.js';

/** Stability of edge reach is judged on distinct visitors per block of this many days (a week: weekday swings cancel out). */
export const EDGE_STABILITY_BLOCK_DAYS = 7;
export const EDGE_STABILITY_BLOCKS = STABILITY_WINDOW_DAYS / EDGE_STABILITY_BLOCK_DAYS;

/** What the edge knows of a segment, gathered by health.queries.ts (published) or the replay (drafts). */
export interface EdgeFacts {
  /** Published: distinct visitors tagged over 1, 7 and 30 days. */
  reach: EdgeReachCounts | null;
  /** Draft: the replay of its latest rule over recent page views. */
  preview: EdgePreview | null;
  /** Distinct visitors of the workspace in the last 30 days (profiles with a reported page view). */
  visitors: number;
  /** Distinct visitors tagged per block of EDGE_STABILITY_BLOCK_DAYS over the stability window, oldest first. */
  blocks: number[];
  /** Other segments whose visitors of the last 30 days overlap, with the shared count. */
  neighbours: Array<{ slug: string; size: number; shared: number }>;
}

type EdgeHealthFacts = HealthFacts & { edge: EdgeFacts };

const fig = (name: string, value: number | null, unit: string | null = null) => ({ name, value, unit });
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
/** `n visitor(s)`. */
const visitors = (n: number) => `${n} ${n === 1 ? 'visitor' : 'visitors'}`;

/** Whether the segment is judged on its edge reach (see the module comment). */
export function judgedAtEdge(f: HealthFacts): f is EdgeHealthFacts {
  const edge = f.edge;
  if (!edge || f.segment.status === 'archived') return false;
  if (edge.preview) return true;
  return edge.reach !== null && edge.reach.last30Days >= f.size;
}

function measurable(f: EdgeHealthFacts): Check {
  const { reach, preview } = f.edge;
  if (preview) {
    const figures = [fig('replayedVisits', preview.visits, 'page views'), fig('matchedVisits', preview.matchedVisits, 'page views'), fig('matchedVisitors', preview.matchedVisitors, 'visitors')];
    const sample = preview.complete ? '' : ` (the latest ${preview.visits} page views of a busier window)`;
    return {
      criterion: 'MEASURABLE',
      figures,
      verdict: 'WARNING',
      explanation: `A draft: replayed over the last ${preview.days} days of page views${sample} it would have tagged ${preview.matchedVisitors} of ${visitors(preview.visitors)} (${preview.matchedVisits} page views); its reach is counted once it is published.`,
    };
  }
  const r = reach!;
  const figures = [fig('reachLastDay', r.lastDay, 'visitors'), fig('reach7Days', r.last7Days, 'visitors'), fig('reach30Days', r.last30Days, 'visitors'), fig('members', f.size, 'members')];
  if (r.last30Days === 0) {
    return { criterion: 'MEASURABLE', figures, verdict: 'WARNING', explanation: 'Published, but no page view tagged with it was reported in the last 30 days: is the Worker deployed with this workspace\'s edge key, and does the site call it?' };
  }
  return { criterion: 'MEASURABLE', figures, verdict: 'OK', explanation: `Reach: ${visitors(r.last30Days)} tagged in the last 30 days (${r.last7Days} in the last 7, ${r.lastDay} in the last day).` };
}

function substantial(f: EdgeHealthFacts): Check {
  const { reach, preview } = f.edge;
  const n = preview ? preview.matchedVisitors : reach!.last30Days;
  const population = preview ? preview.visitors : f.edge.visitors;
  const window = preview ? `the last ${preview.days} days` : 'the last 30 days';
  const share = population === 0 ? 0 : n / population;
  const figures = [fig('visitors', n, 'visitors'), fig('workspaceVisitors', population, 'visitors'), fig('share', share, 'share')];
  const base = { criterion: 'SUBSTANTIAL' as const, figures };
  if (n === 0) return { ...base, verdict: 'FAIL', explanation: `Empty: no visitor tagged in ${window}${population === 0 ? ' (no page views were reported at all)' : ` of the ${population} who came`}, and no stored profile matches it.` };
  const of = `${visitors(n)} in ${window} (${pct(share)} of ${population})`;
  if (n < SUBSTANTIAL_MIN_MEMBERS && share < SUBSTANTIAL_MIN_SHARE) {
    return { ...base, verdict: 'FAIL', explanation: `${of}: under ${SUBSTANTIAL_MIN_MEMBERS} and under ${pct(SUBSTANTIAL_MIN_SHARE)}, too few to personalise for or to test.` };
  }
  if (n < SUBSTANTIAL_MIN_MEMBERS) return { ...base, verdict: 'WARNING', explanation: `${of}: a fair share, but under ${SUBSTANTIAL_MIN_MEMBERS} an A/B test cannot tell a difference from noise.` };
  return { ...base, verdict: 'OK', explanation: `${of}.` };
}

function stable(f: EdgeHealthFacts): Check {
  const base = { criterion: 'STABLE' as const };
  if (f.edge.preview) return { ...base, verdict: 'WARNING', figures: [fig('windowDays', STABILITY_WINDOW_DAYS, 'days')], explanation: 'A draft: its reach is recorded once it is published.' };
  const series = f.edge.blocks;
  const min = Math.min(...series);
  const max = Math.max(...series);
  const latest = series[series.length - 1] ?? 0;
  const swing = max === 0 ? 0 : (max - min) / max;
  const figures = [fig('windowDays', STABILITY_WINDOW_DAYS, 'days'), fig('blockDays', EDGE_STABILITY_BLOCK_DAYS, 'days'), fig('min', min, 'visitors'), fig('max', max, 'visitors'), fig('latest', latest, 'visitors'), fig('swing', swing, 'share')];
  const range = `between ${min} and ${max} visitors a week over the last ${STABILITY_WINDOW_DAYS} days (swing ${pct(swing)})`;
  if (max === 0) return { ...base, figures, verdict: 'FAIL', explanation: `Tagged nobody in the last ${STABILITY_WINDOW_DAYS} days.` };
  if (latest === 0) return { ...base, figures, verdict: 'FAIL', explanation: `Vanished: ${max} visitors in a week at most over the last ${STABILITY_WINDOW_DAYS} days, none in the last ${EDGE_STABILITY_BLOCK_DAYS}.` };
  // A young segment's first weeks are empty because it did not exist: too soon to judge its swing.
  const firstSeen = series.findIndex((n) => n > 0);
  if (firstSeen > 0) return { ...base, figures, verdict: 'WARNING', explanation: `Tagged for less than ${STABILITY_WINDOW_DAYS} days: ${range}; too soon to call it stable.` };
  if (swing > UNSTABLE_SWING) return { ...base, figures, verdict: 'FAIL', explanation: `Unstable: ${range}, more than ${pct(UNSTABLE_SWING)}.` };
  if (swing > STABLE_MAX_SWING) return { ...base, figures, verdict: 'WARNING', explanation: `Shifting: ${range}, more than ${pct(STABLE_MAX_SWING)}.` };
  return { ...base, figures, verdict: 'OK', explanation: `Steady: ${range}.` };
}

function accessible(f: EdgeHealthFacts): Check {
  const n = f.edge.reach?.last30Days ?? 0;
  const figures = [fig('reach30Days', n, 'visitors'), fig('members', f.size, 'members'), fig('reachableShare', f.reach.reachableShare, 'share')];
  const base = { criterion: 'ACCESSIBLE' as const, figures };
  if (f.edge.preview) return { ...base, verdict: 'WARNING', explanation: 'A draft: the edge tags nobody with it until it is published.' };
  if (n === 0) return { ...base, verdict: 'FAIL', explanation: 'Nobody tagged in the last 30 days to reach.' };
  const members = f.size > 0 ? `; of its ${f.size} stored members ${pct(f.reach.reachableShare)} can also be reached by e-mail, phone or cookie` : '';
  return { ...base, verdict: 'OK', explanation: `Reached where it is defined: ${n === 1 ? 'the visitor' : `the ${n} visitors`} tagged in the last 30 days get${n === 1 ? 's' : ''} its tag on the site (personalisation, ad pixels)${members}.` };
}

function distinct(f: EdgeHealthFacts): Check {
  const base = { criterion: 'DISTINCT' as const };
  const size = f.edge.reach?.last30Days ?? 0;
  const pairs = f.edge.neighbours.map((n) => comparePair({ slug: f.segment.slug }, size, { slug: n.slug }, n.size, n.shared));
  const closest = pairs.reduce<(typeof pairs)[number] | null>((best, p) => (best === null || p.jaccard > best.jaccard ? p : best), null);
  const maxJaccard = closest?.jaccard ?? 0;
  const figures = [fig('maxJaccard', maxJaccard, 'share'), fig('comparedSegments', f.edge.neighbours.length, 'segments')];
  if (f.edge.preview) return { ...base, figures, verdict: 'WARNING', explanation: 'A draft: overlap is measured over the visitors the edge tags, once it is published.' };
  const merge = pairs.find((p) => p.shouldMerge);
  if (merge) return { ...base, figures, verdict: 'FAIL', explanation: `Should be merged with '${merge.b.slug}' (visitors of the last 30 days): ${merge.explanation}` };
  if (closest && maxJaccard >= DISTINCT_WARN_JACCARD) {
    return { ...base, figures, verdict: 'WARNING', explanation: `Tags many of the visitors '${closest.b.slug}' tags (Jaccard ${maxJaccard.toFixed(2)} over the last 30 days, merge at ${DISTINCT_FAIL_JACCARD}).` };
  }
  if (!closest) return { ...base, figures, verdict: 'OK', explanation: 'Shares no visitor of the last 30 days with another segment.' };
  return { ...base, figures, verdict: 'OK', explanation: `Closest is '${closest.b.slug}' with Jaccard ${maxJaccard.toFixed(2)} over the visitors of the last 30 days.` };
}

/** The five checks of a segment judged on its edge reach. */
export function edgeChecks(f: EdgeHealthFacts): Check[] {
  return [measurable(f), substantial(f), stable(f), accessible(f), distinct(f)];
}
