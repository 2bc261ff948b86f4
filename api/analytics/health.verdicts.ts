/**
 * The verdicts of segment health: pure functions from the figures to {criterion, verdict, figures,
 * explanation}, one per mark of a good segment (DOMAIN.md). The thresholds are in thresholds.ts.
 */
import type { SegmentRow } from '../../drizzle/index.js';
import type { ReachabilityCounts } from '../segments/segments.queries.js';
import { comparePair } from './overlap.service.js';
import { edgeChecks, judgedAtEdge, type EdgeFacts } from './health.edge.js';
import {
  ACCESSIBLE_MIN_SHARE,
  ACCESSIBLE_OK_SHARE,
  DISTINCT_FAIL_JACCARD,
  DISTINCT_WARN_JACCARD,
  STABILITY_WINDOW_DAYS,
  STABLE_MAX_SWING,
  SUBSTANTIAL_MIN_MEMBERS,
  SUBSTANTIAL_MIN_SHARE,
  UNSTABLE_SWING,
} from './thresholds.js';

export type Verdict = 'OK' | 'WARNING' | 'FAIL';
export type Criterion = 'MEASURABLE' | 'SUBSTANTIAL' | 'STABLE' | 'ACCESSIBLE' | 'DISTINCT';
export interface Figure {
  name: string;
  value: number | null;
  unit: string | null;
}
export interface Check {
  criterion: Criterion;
  verdict: Verdict;
  figures: Figure[];
  explanation: string;
}

/** What health is judged on, gathered by health.queries.ts. */
export interface HealthFacts {
  segment: SegmentRow;
  /** Members (or, for a draft, what its rule matches now). */
  size: number;
  /** Members are materialised (published or static, not archived). */
  materialised: boolean;
  workspaceProfiles: number;
  /** Sum of the members' purchase totals. */
  memberValue: number;
  /** The size at the window's start (null if the segment is younger), then every point in the window. */
  baseline: number | null;
  window: number[];
  reach: ReachabilityCounts;
  /** Every other segment with members that shares someone, with the shared count. */
  neighbours: Array<{ slug: string; size: number; shared: number }>;
  comparedSegments: number;
  /** For a segment with an EDGE rule: its reach (published) or the replay of its draft (health.edge.ts). */
  edge?: EdgeFacts | null;
}

const fig = (name: string, value: number | null, unit: string | null = null): Figure => ({ name, value, unit });
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

export function measurable(f: HealthFacts): Check {
  const figures = [fig('size', f.size, 'members'), fig('memberValue', f.memberValue, 'revenue'), fig('valuePerMember', f.size > 0 ? f.memberValue / f.size : null, 'revenue')];
  const base = { criterion: 'MEASURABLE' as const, figures };
  if (f.segment.status === 'archived') return { ...base, verdict: 'FAIL', explanation: 'Archived: it has no members to count.' };
  if (!f.materialised) return { ...base, verdict: 'WARNING', explanation: `A draft: ${f.size} profiles match its rule now; members and their value are counted once it is published.` };
  return { ...base, verdict: 'OK', explanation: `${f.size} members counted, worth ${f.memberValue.toFixed(2)} in purchases.` };
}

export function substantial(f: HealthFacts): Check {
  const share = f.workspaceProfiles === 0 ? 0 : f.size / f.workspaceProfiles;
  const figures = [fig('size', f.size, 'members'), fig('workspaceProfiles', f.workspaceProfiles, 'profiles'), fig('share', share, 'share')];
  const base = { criterion: 'SUBSTANTIAL' as const, figures };
  if (f.size === 0) return { ...base, verdict: 'FAIL', explanation: 'Empty: nobody to run a campaign for.' };
  if (f.size < SUBSTANTIAL_MIN_MEMBERS && share < SUBSTANTIAL_MIN_SHARE) {
    return { ...base, verdict: 'FAIL', explanation: `${f.size} members (${pct(share)} of all profiles): under ${SUBSTANTIAL_MIN_MEMBERS} and under ${pct(SUBSTANTIAL_MIN_SHARE)}, too few to be worth a campaign or to test one.` };
  }
  if (f.size < SUBSTANTIAL_MIN_MEMBERS) {
    return { ...base, verdict: 'WARNING', explanation: `${f.size} members, ${pct(share)} of all profiles: a fair share here, but under ${SUBSTANTIAL_MIN_MEMBERS} an A/B test cannot tell a KPI difference from noise.` };
  }
  return { ...base, verdict: 'OK', explanation: `${f.size} members, ${pct(share)} of all profiles.` };
}

export function stable(f: HealthFacts): Check {
  const series = f.baseline === null ? f.window : [f.baseline, ...f.window];
  const base = { criterion: 'STABLE' as const };
  if (series.length === 0) return { ...base, verdict: 'WARNING', figures: [fig('windowDays', STABILITY_WINDOW_DAYS, 'days')], explanation: 'No size has been recorded yet.' };
  const min = Math.min(...series);
  const max = Math.max(...series);
  const latest = series[series.length - 1]!;
  const swing = max === 0 ? 0 : (max - min) / max;
  const figures = [fig('windowDays', STABILITY_WINDOW_DAYS, 'days'), fig('changes', f.window.length, 'points'), fig('min', min, 'members'), fig('max', max, 'members'), fig('latest', latest, 'members'), fig('swing', swing, 'share')];
  const range = `between ${min} and ${max} members over the last ${STABILITY_WINDOW_DAYS} days (swing ${pct(swing)})`;
  if (max === 0) return { ...base, figures, verdict: 'FAIL', explanation: `Empty throughout the last ${STABILITY_WINDOW_DAYS} days.` };
  if (latest === 0) return { ...base, figures, verdict: 'FAIL', explanation: `Vanished: ${max} members at most in the last ${STABILITY_WINDOW_DAYS} days, none now.` };
  if (swing > UNSTABLE_SWING) return { ...base, figures, verdict: 'FAIL', explanation: `Unstable: ${range}, more than ${pct(UNSTABLE_SWING)}.` };
  if (f.baseline === null) return { ...base, figures, verdict: 'WARNING', explanation: `Younger than ${STABILITY_WINDOW_DAYS} days: ${range}; too soon to call it stable.` };
  if (swing > STABLE_MAX_SWING) return { ...base, figures, verdict: 'WARNING', explanation: `Shifting: ${range}, more than ${pct(STABLE_MAX_SWING)}.` };
  return { ...base, figures, verdict: 'OK', explanation: `Steady: ${range}.` };
}

export function accessible(f: HealthFacts): Check {
  const r = f.reach;
  const share = (n: number) => (r.total === 0 ? 0 : n / r.total);
  const figures = [fig('reachableShare', r.reachableShare, 'share'), fig('email', share(r.email), 'share'), fig('phone', share(r.phone), 'share'), fig('visitor', share(r.visitor), 'share'), fig('ads', share(r.ads), 'share')];
  const base = { criterion: 'ACCESSIBLE' as const, figures };
  if (!f.materialised) return { ...base, verdict: 'WARNING', explanation: 'Reachability is counted over members, which a draft does not have yet.' };
  if (r.total === 0) return { ...base, verdict: 'FAIL', explanation: 'No members to reach.' };
  const how = `${pct(r.reachableShare)} reachable by e-mail, phone or visitor cookie; ${pct(share(r.ads))} consented to ads`;
  if (r.reachableShare < ACCESSIBLE_MIN_SHARE) return { ...base, verdict: 'FAIL', explanation: `${how}: under ${pct(ACCESSIBLE_MIN_SHARE)}, most of a campaign would reach nobody.` };
  if (r.reachableShare < ACCESSIBLE_OK_SHARE) return { ...base, verdict: 'WARNING', explanation: `${how}: under ${pct(ACCESSIBLE_OK_SHARE)}.` };
  return { ...base, verdict: 'OK', explanation: `${how}.` };
}

export function distinct(f: HealthFacts): Check {
  const pairs = f.neighbours.map((n) => comparePair({ slug: f.segment.slug }, f.size, { slug: n.slug }, n.size, n.shared));
  const closest = pairs.reduce<(typeof pairs)[number] | null>((best, p) => (best === null || p.jaccard > best.jaccard ? p : best), null);
  const maxJaccard = closest?.jaccard ?? 0;
  const figures = [fig('maxJaccard', maxJaccard, 'share'), fig('comparedSegments', f.comparedSegments, 'segments')];
  const base = { criterion: 'DISTINCT' as const, figures };
  if (!f.materialised) return { ...base, verdict: 'WARNING', explanation: 'Overlap is measured over members, which a draft does not have yet.' };
  const merge = pairs.find((p) => p.shouldMerge);
  if (merge) return { ...base, verdict: 'FAIL', explanation: `Should be merged with '${merge.b.slug}': ${merge.explanation}` };
  if (closest && maxJaccard >= DISTINCT_WARN_JACCARD) {
    return { ...base, verdict: 'WARNING', explanation: `Shares much with '${closest.b.slug}' (Jaccard ${maxJaccard.toFixed(2)}, merge at ${DISTINCT_FAIL_JACCARD}).` };
  }
  if (!closest) return { ...base, verdict: 'OK', explanation: `Shares nobody with the ${f.comparedSegments} other segments.` };
  return { ...base, verdict: 'OK', explanation: `Closest is '${closest.b.slug}' with Jaccard ${maxJaccard.toFixed(2)}.` };
}

const RANK: Record<Verdict, number> = { OK: 0, WARNING: 1, FAIL: 2 };

/** Every check and the worst verdict among them (on edge reach for the segments the edge tags: health.edge.ts). */
export function judgeHealth(f: HealthFacts): { verdict: Verdict; checks: Check[] } {
  const checks = judgedAtEdge(f) ? edgeChecks(f) : [measurable(f), substantial(f), stable(f), accessible(f), distinct(f)];
  const verdict = checks.reduce<Verdict>((worst, c) => (RANK[c.verdict] > RANK[worst] ? c.verdict : worst), 'OK');
  return { verdict, checks };
}
