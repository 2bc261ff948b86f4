/** SegmentSplit.kpis: the KPIs of each variant over a period, tested against the control. */
import { Arg, Ctx, FieldResolver, Float, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { SegmentSplitType } from './analytics.type.js';
import { splitFiguresOf } from './analytics.loaders.js';
import { checkPeriod, type Period } from './kpis.service.js';
import { SplitKpis } from './split-kpis.type.js';
import { checkConfidence, checkControl, judgeSplit, DEFAULT_CONFIDENCE, type SplitKpis as Judged } from './split-kpis.verdicts.js';
import type { SplitCounts } from './splits.service.js';

@Resolver(() => SegmentSplitType)
export class SplitKpisFieldResolver {
  @FieldResolver(() => SplitKpis, {
    description:
      "Each variant's conversion rate and revenue per member over [from, to) (at most 366 days) with confidence intervals, and each other variant against the control with a significance test and a plain-language verdict.",
  })
  async kpis(
    @Root() split: SplitCounts,
    @Arg('from', () => GraphQLDateTime, { description: 'Start of the period, inclusive.' }) from: Date,
    @Arg('to', () => GraphQLDateTime, { description: 'End of the period, exclusive; at most 366 days after from.' }) to: Date,
    @Arg('control', () => String, { nullable: true, description: "The variant the others are compared with (BAD_USER_INPUT when the split has none of that name); the split's first variant when omitted." }) control: string | null | undefined,
    @Arg('confidence', () => Float, { nullable: true, defaultValue: DEFAULT_CONFIDENCE, description: 'Confidence level of the intervals and of significant, 0.8 to 0.999.' }) confidence: number | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Judged> {
    requireRole(ctx, ROLES.read);
    const period: Period = checkPeriod(from, to);
    const level = checkConfidence(confidence);
    const base = checkControl(split, control);
    const figures = await splitFiguresOf(ctx).load({ split: { id: split.id, segmentId: split.segmentId, name: split.name, variants: split.variants }, period });
    return judgeSplit(figures, period, base, level);
  }
}
