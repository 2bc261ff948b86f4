import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { JSONScalar } from '../graphql/json-scalar.js';

@ObjectType('ModelFit', { description: 'One maximum-likelihood fit of a predictive model of the workspace, converged or not.' })
export class ModelFitType {
  @Field(() => ID, { description: 'The fit id (a UUID).' })
  id!: string;
  @Field(() => String, { description: "'bgnbd' (BG/NBD: repeat purchases and dropout) or 'gamma_gamma' (Gamma-Gamma: spend per purchase)." })
  model!: string;
  @Field(() => GraphQLDateTime, { description: 'When the fit ran.' })
  fittedAt!: Date;
  @Field(() => String, { description: 'The last day of purchases used (UTC date, inclusive); T is measured to it.' })
  calibrationEnd!: string;
  @Field(() => JSONScalar, { nullable: true, description: 'The estimates: { r, alpha, a, b } (time in weeks) or { p, q, gamma } (revenue currency); the last point reached when it did not converge; null when refused before fitting.' })
  parameters!: Record<string, number> | null;
  @Field(() => JSONScalar, { nullable: true, description: 'Standard errors of the parameters from the numerical Hessian; null when not converged or not positive definite.' })
  standardErrors!: Record<string, number> | null;
  @Field(() => Float, { nullable: true, description: 'The log-likelihood at the parameters; null when refused before fitting.' })
  logLikelihood!: number | null;
  @Field(() => Int, { description: 'Profiles fitted on: with a purchase up to calibrationEnd (BG/NBD), with a repeat purchase of positive value (Gamma-Gamma).' })
  sampleSize!: number;
  @Field(() => Boolean, { description: 'Whether the fit converged; when false, predictions keep coming from the last converged fit.' })
  converged!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the fit did not converge or was refused, in plain words; null when converged.' })
  failureReason!: string | null;
  @Field(() => Int, { description: 'How long the fit took, in milliseconds.' })
  durationMs!: number;
}

@ObjectType('PredictiveFitResult', { description: 'What fitPredictiveModels did.' })
export class PredictiveFitResultType {
  @Field(() => Boolean, { description: 'True when the fit was queued as a background job (fits then holds the previous latest fits).' })
  queued!: boolean;
  @Field(() => [ModelFitType], { description: 'The latest fit of each model, BG/NBD first.' })
  fits!: ModelFitType[];
  @Field(() => Int, { nullable: true, description: 'Profiles given predictions by this fit; null when queued or when the BG/NBD did not converge (predictions kept).' })
  scoredProfiles!: number | null;
}

@ObjectType('ProfilePrediction', { description: 'What the workspace\'s latest converged predictive models expect of this profile (purchases counted as days with a purchase).' })
export class ProfilePredictionType {
  @Field(() => Float, { description: 'Probability the customer is still active (has not silently churned), 0 to 1 (BG/NBD).' })
  pAlive!: number;
  @Field(() => Float, { description: 'Expected number of purchase days in the next 30 days (BG/NBD).' })
  expectedPurchases30d!: number;
  @Field(() => Float, { description: 'Expected number of purchase days in the next 90 days (BG/NBD).' })
  expectedPurchases90d!: number;
  @Field(() => Float, { description: 'Expected number of purchase days in the next 365 days (BG/NBD).' })
  expectedPurchases365d!: number;
  @Field(() => Float, { description: 'Probability of at least one purchase in the next 30 days, 0 to 1 (BG/NBD).' })
  purchaseProbability30d!: number;
  @Field(() => Float, { nullable: true, description: 'Expected revenue per purchase day (Gamma-Gamma); null without a converged spend model.' })
  expectedAverageSpend!: number | null;
  @Field(() => Float, { nullable: true, description: 'Customer lifetime value of the next 365 days: expected purchases per month times expected spend, discounted 1% a month; null without a spend model.' })
  clv365d!: number | null;
  @Field(() => GraphQLDateTime, { description: 'When these predictions were computed.' })
  fittedAt!: Date;
}
