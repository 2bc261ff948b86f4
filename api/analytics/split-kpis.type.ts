/** GraphQL types of the KPIs of an A/B split: per-variant figures with intervals, and tests against the control. */
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import type { Interval } from './ab-statistics.js';
import type { MetricComparison, VariantComparison, VariantKpis } from './split-kpis.verdicts.js';

export enum SignificanceTestEnum {
  TWO_PROPORTION_Z = 'TWO_PROPORTION_Z',
  WELCH_T = 'WELCH_T',
}
registerEnumType(SignificanceTestEnum, {
  name: 'SignificanceTest',
  description: 'The test behind a comparison of a variant with the control.',
  valuesConfig: {
    TWO_PROPORTION_Z: { description: 'Two-proportion z-test (pooled standard error for the test, unpooled for the interval): conversion rates.' },
    WELCH_T: { description: "Welch's t-test (unequal variances, Welch–Satterthwaite degrees of freedom): revenue per member." },
  },
});

@ObjectType({ description: 'A two-sided confidence interval at the confidence level asked for.' })
export class ConfidenceInterval implements Interval {
  @Field(() => Float, { description: 'Lower end.' })
  low!: number;
  @Field(() => Float, { description: 'Upper end.' })
  high!: number;
}

@ObjectType({ description: "KPIs of one variant's current members over the period." })
export class SplitVariantKpis implements VariantKpis {
  @Field(() => String, { description: 'The variant name.' })
  name!: string;
  @Field(() => Float, { description: 'Its relative weight in the split.' })
  weight!: number;
  @Field(() => Int, { description: 'Current members of the segment assigned to it.' })
  members!: number;
  @Field(() => Int, { description: 'Members with at least one purchase in the period.' })
  purchasers!: number;
  @Field(() => Float, { description: 'Sum of properties.revenue of their purchases in the period.' })
  revenue!: number;
  @Field(() => Float, { nullable: true, description: 'Purchasers / members, 0..1 (null without members).' })
  conversionRate!: number | null;
  @Field(() => ConfidenceInterval, { nullable: true, description: 'Wilson score interval of the conversion rate (null without members).' })
  conversionRateInterval!: Interval | null;
  @Field(() => Float, { nullable: true, description: 'Revenue / members, members without purchases counting as 0 (null without members).' })
  revenuePerMember!: number | null;
  @Field(() => ConfidenceInterval, { nullable: true, description: 'Student t interval of the revenue per member (null below 2 members; a single point when every member has the same revenue).' })
  revenuePerMemberInterval!: Interval | null;
}

@ObjectType('MetricComparison', { description: 'One metric of a variant against the control: the difference, its interval and a significance test. Null figures mean the test is undefined (undefinedReason says why).' })
export class MetricComparisonType implements MetricComparison {
  @Field(() => SignificanceTestEnum, { description: 'The test used.' })
  test!: SignificanceTestEnum;
  @Field(() => Float, { nullable: true, description: "The control's value (null without members)." })
  control!: number | null;
  @Field(() => Float, { nullable: true, description: "The variant's value (null without members)." })
  variant!: number | null;
  @Field(() => Float, { nullable: true, description: 'Variant minus control (for conversion, a difference of rates: 0.05 is 5 points).' })
  difference!: number | null;
  @Field(() => Float, { nullable: true, description: "Difference / the control's value: 0.25 is 25 % better (null when the control's value is 0)." })
  relativeLift!: number | null;
  @Field(() => ConfidenceInterval, { nullable: true, description: 'Confidence interval of the difference (null when undefined).' })
  interval!: Interval | null;
  @Field(() => Float, { nullable: true, description: 'The test statistic: z or t (null when undefined).' })
  statistic!: number | null;
  @Field(() => Float, { nullable: true, description: 'Welch–Satterthwaite degrees of freedom of the t-test (null for the z-test or when undefined).' })
  degreesOfFreedom!: number | null;
  @Field(() => Float, { nullable: true, description: 'Two-sided p-value (null when the test is undefined: no members, or no spread on either side).' })
  pValue!: number | null;
  @Field(() => Boolean, { description: 'True when pValue < 1 - confidence. Each comparison is judged on its own (no correction for several variants); false when undefined.' })
  significant!: boolean;
  @Field(() => Int, { nullable: true, description: 'About how many members per variant would detect a true difference this size, at this confidence with 80 % power (null without a difference).' })
  membersNeeded!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the test is undefined, in plain language (null when it is defined).' })
  undefinedReason!: string | null;
  @Field(() => String, { description: 'The comparison and its verdict in a sentence, to show as it is.' })
  explanation!: string;
}

@ObjectType({ description: 'A variant against the control on conversion rate and revenue per member.' })
export class SplitVariantComparison implements VariantComparison {
  @Field(() => String, { description: 'The variant compared.' })
  variant!: string;
  @Field(() => String, { description: 'The control it is compared with.' })
  control!: string;
  @Field(() => MetricComparisonType, { description: 'Conversion rate: two-proportion z-test.' })
  conversionRate!: MetricComparison;
  @Field(() => MetricComparisonType, { description: "Revenue per member: Welch's t-test." })
  revenuePerMember!: MetricComparison;
  @Field(() => String, { description: 'Both verdicts in plain language, to show as they are.' })
  explanation!: string;
}

@ObjectType({ description: "KPIs of each variant of an A/B split over a period, and each variant tested against the control." })
export class SplitKpis {
  @Field(() => GraphQLDateTime, { description: 'Start of the period (inclusive), as asked.' })
  from!: Date;
  @Field(() => GraphQLDateTime, { description: 'End of the period (exclusive), as asked.' })
  to!: Date;
  @Field(() => Float, { description: 'The confidence level of the intervals and of significant, e.g. 0.95.' })
  confidence!: number;
  @Field(() => String, { description: 'The control variant the others are compared with.' })
  control!: string;
  @Field(() => [SplitVariantKpis], { description: 'Every variant, in the order defined.' })
  variants!: VariantKpis[];
  @Field(() => [SplitVariantComparison], { description: 'Every other variant against the control, in the order defined.' })
  comparisons!: VariantComparison[];
}
