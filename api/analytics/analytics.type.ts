/** GraphQL types of segment analytics: overlap, health, KPIs and A/B splits. */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import type { SegmentRow } from '../../drizzle/index.js';
import { SegmentType } from '../segments/segments.type.js';

export enum MergeReasonEnum {
  NEARLY_IDENTICAL = 'NEARLY_IDENTICAL',
  NEARLY_CONTAINED = 'NEARLY_CONTAINED',
}
export enum HealthCriterionEnum {
  MEASURABLE = 'MEASURABLE',
  SUBSTANTIAL = 'SUBSTANTIAL',
  STABLE = 'STABLE',
  ACCESSIBLE = 'ACCESSIBLE',
  DISTINCT = 'DISTINCT',
}
export enum HealthVerdictEnum {
  OK = 'OK',
  WARNING = 'WARNING',
  FAIL = 'FAIL',
}
registerEnumType(MergeReasonEnum, {
  name: 'MergeReason',
  description: 'Why two segments should be merged.',
  valuesConfig: {
    NEARLY_IDENTICAL: { description: 'Nearly the same people: Jaccard index of 0.8 or more.' },
    NEARLY_CONTAINED: { description: 'The smaller lies 90 % or more inside the other and is at least half its size.' },
  },
});
registerEnumType(HealthCriterionEnum, {
  name: 'HealthCriterion',
  description: 'The five marks of a good segment.',
  valuesConfig: {
    MEASURABLE: { description: 'Its members and their purchase value can be counted (published, not archived).' },
    SUBSTANTIAL: { description: 'Big enough to be worth a campaign and to test one (100 members or 1 % of the profiles).' },
    STABLE: { description: 'Its size does not swing wildly over the recent window.' },
    ACCESSIBLE: { description: 'Enough members can be reached on some channel (reachability).' },
    DISTINCT: { description: 'It does not overlap too much with another segment (Jaccard index).' },
  },
});
registerEnumType(HealthVerdictEnum, {
  name: 'HealthVerdict',
  description: 'How a segment fares on a criterion, best first.',
  valuesConfig: {
    OK: { description: 'Meets the criterion.' },
    WARNING: { description: 'Borderline, or too soon to tell (a draft, a young segment): see the explanation.' },
    FAIL: { description: 'Fails the criterion: see the explanation.' },
  },
});

@ObjectType({ description: 'A segment of an overlap and its member count.' })
export class OverlapSize {
  @Field(() => SegmentType, { description: 'One of the segments asked for.' })
  segment!: SegmentRow;
  @Field(() => Int, { description: 'Its member count.' })
  size!: number;
}

@ObjectType('OverlapPair', { description: 'How much two segments share, and whether they should be merged.' })
export class OverlapPairType {
  @Field(() => SegmentType, { description: 'The first segment of the pair (the earlier in segmentIds).' })
  a!: SegmentRow;
  @Field(() => SegmentType, { description: 'The second segment of the pair.' })
  b!: SegmentRow;
  @Field(() => Int, { description: 'Members in both.' })
  intersection!: number;
  @Field(() => Int, { description: 'Members in either.' })
  union!: number;
  @Field(() => Float, { description: 'Jaccard index, intersection / union: 0..1 (0 when both are empty).' })
  jaccard!: number;
  @Field(() => Float, { description: 'Intersection / the smaller size, 0..1: how much of the smaller lies inside the other (0 when one is empty).' })
  containment!: number;
  @Field(() => Boolean, { description: 'True when the two are so alike they should be merged (mergeReason says why).' })
  shouldMerge!: boolean;
  @Field(() => MergeReasonEnum, { nullable: true, description: 'Why they should be merged; null when they should not.' })
  mergeReason!: MergeReasonEnum | null;
  @Field(() => String, { description: 'The overlap and the advice in a sentence, to show as it is.' })
  explanation!: string;
}

@ObjectType({ description: 'Sizes and pairwise overlaps of up to 20 segments.' })
export class SegmentOverlap {
  @Field(() => [OverlapSize], { description: 'Each segment with its size, in the order given.' })
  segments!: OverlapSize[];
  @Field(() => [OverlapPairType], { description: 'Every pair, in the order the segments were given.' })
  pairs!: OverlapPairType[];
  @Field(() => [OverlapPairType], { description: 'The pairs so alike they should be merged (those of pairs with shouldMerge).' })
  mergeCandidates!: OverlapPairType[];
}

@ObjectType({ description: 'One figure behind a health verdict.' })
export class HealthFigure {
  @Field(() => String, { description: "What the figure is, e.g. 'size', 'share', 'windowDays'." })
  name!: string;
  @Field(() => Float, { nullable: true, description: 'Its value in unit; null when it cannot be computed (e.g. value per member without members).' })
  value!: number | null;
  @Field(() => String, { nullable: true, description: "The unit of value, e.g. 'members', 'share' (0..1), 'days'; null for a plain number." })
  unit!: string | null;
}

@ObjectType({ description: 'The verdict on one criterion of a good segment, with its figures.' })
export class HealthCheck {
  @Field(() => HealthCriterionEnum, { description: 'The criterion judged.' })
  criterion!: HealthCriterionEnum;
  @Field(() => HealthVerdictEnum, { description: 'OK, WARNING or FAIL.' })
  verdict!: HealthVerdictEnum;
  @Field(() => [HealthFigure], { description: 'The figures the verdict rests on.' })
  figures!: HealthFigure[];
  @Field(() => String, { description: 'The verdict in a sentence with its figures, to show as it is.' })
  explanation!: string;
}

@ObjectType({ description: 'Is this a good segment: measurable, substantial, stable, accessible, distinct.' })
export class SegmentHealth {
  @Field(() => HealthVerdictEnum, { description: 'The worst verdict of the checks.' })
  verdict!: HealthVerdictEnum;
  @Field(() => [HealthCheck], { description: 'One check per criterion: MEASURABLE, SUBSTANTIAL, STABLE, ACCESSIBLE, DISTINCT.' })
  checks!: HealthCheck[];
}

@ObjectType({ description: "KPIs of a segment's current members over a period, from purchase events." })
export class SegmentKpis {
  @Field(() => GraphQLDateTime, { description: 'Start of the period (inclusive), as asked.' })
  from!: Date;
  @Field(() => GraphQLDateTime, { description: 'End of the period (exclusive), as asked.' })
  to!: Date;
  @Field(() => Int, { description: 'Current members of the segment.' })
  members!: number;
  @Field(() => Int, { description: 'Members with at least one purchase in the period.' })
  purchasers!: number;
  @Field(() => Float, { description: 'Sum of properties.revenue of their purchases in the period.' })
  revenue!: number;
  @Field(() => Float, { nullable: true, description: 'Purchasers / members, 0..1 (null without members).' })
  conversionRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Revenue / members (null without members).' })
  revenuePerMember!: number | null;
}

@ObjectType('SplitVariant', { description: 'A variant of an A/B split and how many current members it holds.' })
export class SplitVariantType {
  @Field(() => String, { description: "The variant's name, unique in its split (e.g. 'control')." })
  name!: string;
  @Field(() => Float, { description: 'Its relative weight (> 0): its share is weight / the sum of the weights.' })
  weight!: number;
  @Field(() => Int, { description: 'Current members of the segment assigned to it.' })
  members!: number;
}

@ObjectType('SegmentSplit', { description: 'An A/B split inside a segment: members assigned to variants by a sticky hash.' })
export class SegmentSplitType {
  @Field(() => ID, { description: 'The split id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'Its name, unique in the segment, 1 to 64 characters.' })
  name!: string;
  @Field(() => [SplitVariantType], { description: 'Its variants, in the order defined.' })
  variants!: SplitVariantType[];
  @Field(() => GraphQLDateTime, { description: 'When it was defined.' })
  createdAt!: Date;
}

@InputType({ description: 'A variant of a split: a unique name and a weight > 0.' })
export class SplitVariantInput {
  @Field(() => String, { description: 'The variant name, 1 to 64 characters, unique in the split.' })
  name!: string;
  @Field(() => Float, { description: 'Its relative weight, > 0 (e.g. 50 and 50, or 1 and 3).' })
  weight!: number;
}

@ObjectType({ description: 'The variant a profile gets in a split (the same every time).' })
export class SplitAssignment {
  @Field(() => ID, { description: 'The segment of the split (Segment.id).' })
  segmentId!: string;
  @Field(() => String, { description: 'The split name.' })
  split!: string;
  @Field(() => ID, { description: 'The profile (Profile.id).' })
  profileId!: string;
  @Field(() => String, { description: 'The name of the variant it gets.' })
  variant!: string;
  @Field(() => Float, { description: 'Where the profile falls in [0, 1): a hash of split and profile, so the same every time.' })
  bucket!: number;
  @Field(() => Boolean, { description: 'Whether the profile is a member of the segment now (the variant holds either way).' })
  member!: boolean;
}

export enum ChartKindEnum {
  SIZE_HISTORY = 'sizeHistory',
  OVERLAP = 'overlap',
}
registerEnumType(ChartKindEnum, {
  name: 'ChartKind',
  description: 'A chart the API draws as SVG.',
  valuesConfig: {
    SIZE_HISTORY: { description: "A segment's size over time (one segment)." },
    OVERLAP: { description: 'The overlap heatmap of 2 to 20 segments.' },
  },
});

@ObjectType({ description: 'A link to a chart that a browser can open without an API key, until it expires.' })
export class ChartLink {
  @Field(() => String, { description: 'The absolute URL of the SVG (PUBLIC_API_URL, else the origin this request came to).' })
  url!: string;

  @Field(() => GraphQLDateTime, { description: 'When the link stops opening (15 minutes after it was made).' })
  expiresAt!: Date;
}
