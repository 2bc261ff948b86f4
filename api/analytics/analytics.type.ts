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
registerEnumType(MergeReasonEnum, { name: 'MergeReason', description: 'Why two segments should be merged.' });
registerEnumType(HealthCriterionEnum, { name: 'HealthCriterion', description: 'The five marks of a good segment.' });
registerEnumType(HealthVerdictEnum, { name: 'HealthVerdict' });

@ObjectType({ description: 'A segment of an overlap and its member count.' })
export class OverlapSize {
  @Field(() => SegmentType)
  segment!: SegmentRow;
  @Field(() => Int)
  size!: number;
}

@ObjectType({ description: 'How much two segments share, and whether they should be merged.' })
export class OverlapPairType {
  @Field(() => SegmentType)
  a!: SegmentRow;
  @Field(() => SegmentType)
  b!: SegmentRow;
  @Field(() => Int, { description: 'Members in both' })
  intersection!: number;
  @Field(() => Int, { description: 'Members in either' })
  union!: number;
  @Field(() => Float, { description: 'intersection / union, 0..1 (0 when both are empty)' })
  jaccard!: number;
  @Field(() => Float, { description: 'intersection / the smaller size, 0..1: how much of the smaller lies inside the other' })
  containment!: number;
  @Field(() => Boolean)
  shouldMerge!: boolean;
  @Field(() => MergeReasonEnum, { nullable: true })
  mergeReason!: MergeReasonEnum | null;
  @Field(() => String)
  explanation!: string;
}

@ObjectType({ description: 'Sizes and pairwise overlaps of up to 20 segments.' })
export class SegmentOverlap {
  @Field(() => [OverlapSize])
  segments!: OverlapSize[];
  @Field(() => [OverlapPairType], { description: 'Every pair, in the order the segments were given' })
  pairs!: OverlapPairType[];
  @Field(() => [OverlapPairType], { description: 'The pairs so alike they should be merged' })
  mergeCandidates!: OverlapPairType[];
}

@ObjectType({ description: 'One figure behind a health verdict.' })
export class HealthFigure {
  @Field(() => String)
  name!: string;
  @Field(() => Float, { nullable: true })
  value!: number | null;
  @Field(() => String, { nullable: true, description: "e.g. 'members', 'share', 'days'" })
  unit!: string | null;
}

@ObjectType({ description: 'The verdict on one criterion of a good segment, with its figures.' })
export class HealthCheck {
  @Field(() => HealthCriterionEnum)
  criterion!: HealthCriterionEnum;
  @Field(() => HealthVerdictEnum)
  verdict!: HealthVerdictEnum;
  @Field(() => [HealthFigure])
  figures!: HealthFigure[];
  @Field(() => String)
  explanation!: string;
}

@ObjectType({ description: 'Is this a good segment: measurable, substantial, stable, accessible, distinct.' })
export class SegmentHealth {
  @Field(() => HealthVerdictEnum, { description: 'The worst verdict of the checks' })
  verdict!: HealthVerdictEnum;
  @Field(() => [HealthCheck])
  checks!: HealthCheck[];
}

@ObjectType({ description: "KPIs of a segment's current members over a period, from purchase events." })
export class SegmentKpis {
  @Field(() => GraphQLDateTime)
  from!: Date;
  @Field(() => GraphQLDateTime, { description: 'Exclusive' })
  to!: Date;
  @Field(() => Int)
  members!: number;
  @Field(() => Int, { description: 'Members with at least one purchase in the period' })
  purchasers!: number;
  @Field(() => Float, { description: 'Sum of properties.revenue of their purchases in the period' })
  revenue!: number;
  @Field(() => Float, { nullable: true, description: 'purchasers / members (null without members)' })
  conversionRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'revenue / members (null without members)' })
  revenuePerMember!: number | null;
}

@ObjectType('SplitVariant', { description: 'A variant of an A/B split and how many current members it holds.' })
export class SplitVariantType {
  @Field(() => String)
  name!: string;
  @Field(() => Float)
  weight!: number;
  @Field(() => Int)
  members!: number;
}

@ObjectType('SegmentSplit', { description: 'An A/B split inside a segment: members assigned to variants by a sticky hash.' })
export class SegmentSplitType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => [SplitVariantType])
  variants!: SplitVariantType[];
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

@InputType({ description: 'A variant of a split: a unique name and a weight > 0.' })
export class SplitVariantInput {
  @Field(() => String)
  name!: string;
  @Field(() => Float)
  weight!: number;
}

@ObjectType({ description: 'The variant a profile gets in a split (the same every time).' })
export class SplitAssignment {
  @Field(() => ID)
  segmentId!: string;
  @Field(() => String)
  split!: string;
  @Field(() => ID)
  profileId!: string;
  @Field(() => String)
  variant!: string;
  @Field(() => Float, { description: 'Where the profile falls in [0, 1)' })
  bucket!: number;
  @Field(() => Boolean, { description: 'Whether the profile is a member of the segment now' })
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
