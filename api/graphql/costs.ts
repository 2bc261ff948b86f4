/**
 * What each GraphQL field costs, in units of database work, for the per-request budget
 * (api/graphql/limits.ts) and the per-key rate (api/http/key-limiter.ts).
 *
 * A unit is roughly one row read or returned through an index. The rules, in order:
 * 1. a field named in FIELD_COSTS costs that much (a count or scan over a workspace's profiles,
 *    members or events is 20 or more: the figures are relative, from `bench:db`);
 * 2. any other field of Query costs 1 (a lookup or a keyset page), of Mutation 10 (a write in a
 *    transaction, often with a membership refresh), of any other type 0 (read with its parent's row);
 * 3. a field with a `first` argument (a page) adds, for each of its `first` rows (the page-size cap
 *    when `first` is a variable), 1 plus the cost of what is selected under it.
 * Aliases count separately: 20 aliases of `previewSegment` cost 20 x 500, the whole budget.
 */

/** Per-field costs, keyed by `Type.field`, for fields that count or scan (or start such work). */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  // A live count of a rule over the workspace's profiles (and their events), plus the profile total.
  'Query.previewSegment': 500,
  // Pairwise intersections of 2 to 20 segments' members.
  'Query.segmentOverlap': 500,
  'Query.validateRule': 2,
  'Query.splitAssignment': 2,
  // Member counts (one grouped count per page of segments); for a draft, a live count of its rule.
  'Segment.size': 20,
  // Counts of members joined with their profiles' contact points.
  'Segment.reachability': 20,
  // Distinct visitors over 30 days of per-day tag rows (one grouped count per page of segments).
  'Segment.edgeReach': 20,
  // Sizes, history, reachability and overlap with the workspace's other segments.
  'Segment.health': 100,
  // Members joined with their purchase events over the period.
  'Segment.kpis': 50,
  // Members hashed into variants and counted.
  'Segment.splits': 20,
  // Members hashed into variants, joined with their purchase events over the period.
  'SegmentSplit.kpis': 50,
  'Segment.members': 1,
  'Segment.sizeHistory': 2,
  'Segment.versions': 1,
  // The version's rule over every profile of the workspace, joined with the members (as a live count).
  'Segment.versionDiff': 500,
  // A page of each side: the rule over profiles until the page is full (a rare match scans far).
  'VersionDiff.addedProfiles': 20,
  'VersionDiff.removedProfiles': 20,
  'Category.segments': 1,
  'Profile.events': 1,
  'Profile.segments': 1,
  'Profile.computed': 1,
  // Mutations that recompute memberships, scan members or write many rows.
  'Mutation.publishSegment': 500,
  'Mutation.archiveSegment': 100,
  'Mutation.deleteSegment': 100,
  // Every row of a workspace (instance admin token only).
  'Mutation.deleteWorkspace': 1000,
  // The segments whose rules reference it (one statement per page of segments).
  'Segment.referencedBy': 2,
  'Mutation.createLifecycleSegments': 2000,
  'Mutation.createAudienceExport': 500,
  'Mutation.upsertProfiles': 200,
  'Mutation.upsertProfile': 20,
  'Mutation.trackEvents': 100,
  'Mutation.addToStaticSegment': 50,
  'Mutation.removeFromStaticSegment': 50,
  // Up to 100,000 keys resolved in one statement, then the list's dependents recomputed.
  'Mutation.addToStaticSegmentByKeys': 500,
  'Mutation.removeFromStaticSegmentByKeys': 500,
  // Every member of the source copied.
  'Mutation.saveAsStaticSegment': 500,
  'Mutation.deleteProfile': 50,
  'Mutation.defineSplit': 50,
  'Mutation.createSegment': 20,
  'Mutation.updateSegment': 20,
};

/** The REST chart endpoints, charged to the same per-key rate (the overlap heatmap is segmentOverlap). */
export const CHART_COSTS = { sizeHistory: 2, overlap: FIELD_COSTS['Query.segmentOverlap']! } as const;

/** The cost of `Type.field` itself, before any page multiplier (rules 1 and 2 above). */
export function fieldCost(typeName: string, fieldName: string): number {
  const listed = FIELD_COSTS[`${typeName}.${fieldName}`];
  if (listed !== undefined) return listed;
  if (typeName === 'Query') return 1;
  if (typeName === 'Mutation') return 10;
  return 0;
}
