/** Predictive models in GraphQL: fit on demand, the latest fits, and Profile.predicted. */
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { ProfileRow, ProfilePredictionRow } from '../../drizzle/index.js';
import { BadInputError } from '../errors.js';
import { ProfileType } from '../profiles/profiles.type.js';
import { ModelFitType, PredictiveFitResultType, ProfilePredictionType } from './predictive.type.js';
import { fitPredictiveModels, latestFits } from './predictive.service.js';
import { predictionOfProfile } from './predictive.loaders.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

@Resolver()
export class PredictiveResolver {
  @Query(() => [ModelFitType], { description: 'The latest fit of each predictive model of this workspace (BG/NBD first), converged or not; empty before the first fit.' })
  async predictiveModels(@Ctx() ctx: RequestContext): Promise<ModelFitType[]> {
    const caller = requireRole(ctx, ROLES.read);
    return latestFits(ctx.db, caller.workspaceId);
  }

  @Mutation(() => PredictiveFitResultType, { description: 'Fits the BG/NBD and Gamma-Gamma models on this workspace\'s purchases and scores every profile with a purchase (also done daily in the background).' })
  async fitPredictiveModels(
    @Arg('calibrationEnd', () => String, { nullable: true, description: 'The last day of purchases to use (YYYY-MM-DD, UTC, inclusive); default today. Later purchases are ignored.' }) calibrationEnd: string | null | undefined,
    @Arg('queue', () => Boolean, { defaultValue: false, description: 'true: queue the fit as a background job and answer at once; false: fit now and answer with the result.' }) queue: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<PredictiveFitResultType> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    if (calibrationEnd != null && (!DATE.test(calibrationEnd) || Number.isNaN(Date.parse(calibrationEnd)))) {
      throw new BadInputError(`calibrationEnd: '${calibrationEnd}' is not a date YYYY-MM-DD`, { field: 'calibrationEnd' });
    }
    const options = calibrationEnd == null ? {} : { calibrationEnd };
    if (queue) {
      await ctx.jobs.addJob('fit-predictive-models', { workspaceId: caller.workspaceId, ...options }, { jobKey: `predict:${caller.workspaceId}`, maxAttempts: 3 });
      return { queued: true, fits: await latestFits(ctx.db, caller.workspaceId), scoredProfiles: null };
    }
    const outcome = await fitPredictiveModels(ctx.db, caller.workspaceId, { now: ctx.now, ...options });
    return { queued: false, fits: [outcome.bgnbd, outcome.gammaGamma], scoredProfiles: outcome.scored };
  }
}

@Resolver(() => ProfileType)
export class PredictiveFieldResolver {
  @Authorized(...ROLES.profileData)
  @FieldResolver(() => ProfilePredictionType, { nullable: true, description: 'Predicted purchases, churn and value from the latest converged models; null before a fit or without a purchase.' })
  predicted(@Root() profile: ProfileRow, @Ctx() ctx: RequestContext): Promise<ProfilePredictionRow | null> {
    return predictionOfProfile(ctx).load(profile.id);
  }
}
