import { boolean, date, doublePrecision, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { profiles } from './profiles.js';
import { workspaces } from './workspaces.js';
import { timestamptz } from './columns.js';

/**
 * Every fit of a predictive model of a workspace (api/predictive/): `bgnbd` (repeat purchases) or
 * `gamma_gamma` (spend), its calibration end (the last day of data used, inclusive), parameters,
 * log-likelihood, sample size, and whether it converged (else why not). Kept as a history: the
 * latest converged fit of each model is the one predictions come from.
 */
export const modelFits = pgTable(
  'model_fits',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    model: text('model').$type<'bgnbd' | 'gamma_gamma'>().notNull(),
    fittedAt: timestamptz('fitted_at').notNull(),
    calibrationEnd: date('calibration_end', { mode: 'string' }).notNull(),
    /** Parameters (r, alpha, a, b in weeks; or p, q, gamma in the revenue's currency), their standard errors, null when it failed early. */
    parameters: jsonb('parameters').$type<Record<string, number> | null>(),
    standardErrors: jsonb('standard_errors').$type<Record<string, number> | null>(),
    logLikelihood: doublePrecision('log_likelihood'),
    sampleSize: integer('sample_size').notNull(),
    converged: boolean('converged').notNull(),
    failureReason: text('failure_reason'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('model_fits_workspace_model_idx').on(t.workspaceId, t.model, t.fittedAt)],
);

/**
 * The predictions of each profile with purchases from the latest converged fits: one row per
 * profile, replaced whole at each successful scoring, read by SQL (so rules can use them as
 * attributes later). Probabilities in [0, 1]; purchases are expected counts of purchase occasions
 * (days with a purchase); spend and CLV in the revenue's currency.
 */
export const profilePredictions = pgTable(
  'profile_predictions',
  {
    profileId: uuid('profile_id')
      .primaryKey()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    pAlive: doublePrecision('p_alive').notNull(),
    expectedPurchases30d: doublePrecision('expected_purchases_30d').notNull(),
    expectedPurchases90d: doublePrecision('expected_purchases_90d').notNull(),
    expectedPurchases365d: doublePrecision('expected_purchases_365d').notNull(),
    purchaseProbability30d: doublePrecision('purchase_probability_30d').notNull(),
    /** Null without a converged spend model. */
    expectedAverageSpend: doublePrecision('expected_average_spend'),
    clv365d: doublePrecision('clv_365d'),
    fittedAt: timestamptz('fitted_at').notNull(),
  },
  (t) => [index('profile_predictions_workspace_idx').on(t.workspaceId)],
);

export type ModelFitRow = typeof modelFits.$inferSelect;
export type ProfilePredictionRow = typeof profilePredictions.$inferSelect;
