/**
 * The ruleset document (what `GET /v1/rulesets/current` serves and the Worker downloads) and the
 * definitions it is compiled from. See schema/ruleset.ts.
 */
import type { ConditionNode, ConditionValue, RuleNode, Scope } from './rule.js';
import type { SplitVariant } from './split.js';

/** The ruleset document format this module writes and reads. */
export const RULESET_FORMAT = 1;
/** History the edge keeps when no segment asks for more, and the most it ever keeps (days). */
export const MIN_HISTORY_DAYS = 30;
export const MAX_HISTORY_DAYS = 400;

/**
 * A compiled expression: constants, a condition / event-count / segment by index, or a group.
 * @example const e: Expr = ['and', ['c', 0], ['not', ['s', 2]]];
 */
export type Expr = boolean | ['c', number] | ['e', number] | ['s', number] | ['and', ...Expr[]] | ['or', ...Expr[]] | ['not', Expr];

/** A condition: attribute (or event property), its type, operator and normalised value. */
export type ConditionEntry = [attr: string, attrType: ConditionNode['attrType'], op: ConditionNode['op'], value: ConditionValue];
/** Events named `event` whose properties pass every `where` property condition (by index). */
export type FilterEntry = [event: string, where: number[]];
/** A count over a filter: `min <= count <= max` within the last `days` days (null: unbounded / all time). */
export type CountEntry = [filter: number, min: number, max: number | null, days: number | null];

/**
 * One segment of the ruleset. Edge segments have a rule; profile-scoped ones do not.
 * @example const s: RulesetSegment = { slug: 'vn-mobile', scope: 'edge', rule: ['and', ['c', 0], ['c', 1]] };
 */
export interface RulesetSegment {
  slug: string;
  scope: Scope;
  rule?: Expr;
}

/**
 * The serialisable ruleset (what `GET /v1/rulesets/current` serves).
 * @example JSON.stringify(compileRuleset([], { version: 'v1' })).length > 0; // true
 */
export interface Ruleset {
  format: typeof RULESET_FORMAT;
  version: string;
  /** How many days of page-view history the edge must keep for the segments of this ruleset. */
  maxPageViewDays: number;
  conditions: ConditionEntry[];
  propertyConditions: ConditionEntry[];
  filters: FilterEntry[];
  counts: CountEntry[];
  segments: RulesetSegment[];
  /**
   * A/B splits of the ruleset's segments (schema/split.ts), absent when there are none (rulesets
   * written before splits reached the edge have no such field and stay valid).
   */
  splits?: RulesetSplit[];
}

/**
 * An A/B split of a published segment, as the edge assigns it.
 * @example const s: RulesetSplit = { segment: 'vn-mobile', name: 'hero', variants: [{ name: 'control', weight: 1 }, { name: 'new', weight: 1 }] };
 */
export interface RulesetSplit {
  segment: string;
  name: string;
  variants: SplitVariant[];
}

/**
 * A published segment to compile: its slug, validated rule and scope.
 * @example const d: SegmentDefinition = { slug: 'all', rule: { kind: 'all', rules: [] }, scope: 'edge' };
 */
export interface SegmentDefinition {
  slug: string;
  rule: RuleNode;
  scope: Scope;
}

