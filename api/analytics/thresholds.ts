/**
 * The thresholds behind the analytics verdicts, each with its reason from the domain
 * (../shared/DOMAIN.md: "a good segment is measurable, substantial, stable, accessible, distinct").
 * They are defaults for every workspace; a verdict always shows the figures, so a marketer can
 * judge for a business whose numbers differ.
 */

/** Two segments whose Jaccard index (shared / either) is this high have nearly the same people: merge. */
export const MERGE_JACCARD = 0.8;
/**
 * A segment with this share of its members inside another one ("nearly contained") ...
 * @see MERGE_NESTED_MIN_SIZE_RATIO
 */
export const MERGE_CONTAINMENT = 0.9;
/**
 * ... and at least this fraction of the other's size adds little as a separate segment: merge. A
 * small nested segment (the loyal few inside all repeat buyers) is a legitimate sharper target.
 */
export const MERGE_NESTED_MIN_SIZE_RATIO = 0.5;
/** At most this many segments in one overlap call (190 pairs: still one readable heatmap). */
export const MAX_OVERLAP_SEGMENTS = 20;

/** Distinct: a Jaccard index at or above this with another segment is worth a look (warning). */
export const DISTINCT_WARN_JACCARD = 0.5;
/** Distinct: at or above this it fails (the merge threshold). */
export const DISTINCT_FAIL_JACCARD = MERGE_JACCARD;

/**
 * Substantial: fewer members than this is too few for a campaign to pay for itself, or for an A/B
 * split (50 per arm) to tell a KPI difference from noise ...
 */
export const SUBSTANTIAL_MIN_MEMBERS = 100;
/** ... unless the segment still holds this share of all profiles (a small B2B workspace). */
export const SUBSTANTIAL_MIN_SHARE = 0.01;

/** Stable: the recent window that "does not vanish next week" is judged over (four weeks). */
export const STABILITY_WINDOW_DAYS = 28;
/** Stable: a swing ((max - min) / max of the size in the window) up to this is normal churn. */
export const STABLE_MAX_SWING = 0.3;
/** Stable: above this the segment gains or loses most of its people within weeks: it fails. */
export const UNSTABLE_SWING = 0.6;

/** Accessible: at least this share reachable on some channel (e-mail, phone, visitor cookie) is fine. */
export const ACCESSIBLE_OK_SHARE = 0.5;
/** Accessible: below this share most of a campaign's budget would reach nobody: it fails. */
export const ACCESSIBLE_MIN_SHARE = 0.2;

/** KPIs: the longest period one call may cover (a year and a day, for leap years and year-on-year). */
export const KPI_MAX_RANGE_DAYS = 366;
