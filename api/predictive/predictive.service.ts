/**
 * Fits the workspace's predictive models and scores its profiles: the BG/NBD on the grouped
 * (x, t_x, T) and the Gamma-Gamma on repeat buyers' spend, each fit recorded in `model_fits`;
 * then every profile with a purchase gets its `profile_predictions` row from the latest converged
 * fits. A BG/NBD fit that fails keeps the previous predictions untouched (and its reason is
 * recorded); a Gamma-Gamma fit that fails falls back to the last converged one, else no spend.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { modelFits, profilePredictions, type ModelFitRow } from '../../drizzle/index.js';
import { conditionalExpectedPurchases, fitBgNbd, probabilityAlive, purchaseProbability, type BgNbdParameters } from './bgnbd.js';
import { fitGammaGamma, type GammaGammaParameters } from './gamma-gamma.js';
import { DAYS_PER_UNIT, groupedHistories, profileStatistics, spendHistories } from './statistics.js';

/** CLV: 12 months of 365/12 days, discounted 1% a month (the `lifetimes` package's defaults). */
export const CLV_MONTHS = 12;
export const MONTHLY_DISCOUNT_RATE = 0.01;

export interface FitOutcome {
  bgnbd: ModelFitRow;
  gammaGamma: ModelFitRow;
  /** Profiles scored, or null when the predictions were kept (no converged BG/NBD now). */
  scored: number | null;
}

/** The UTC date of an instant, YYYY-MM-DD. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export async function fitPredictiveModels(db: Database, workspaceId: string, options: { now: Date; calibrationEnd?: string }): Promise<FitOutcome> {
  const calibrationEnd = options.calibrationEnd ?? utcDate(options.now);
  let started = Date.now();
  const grouped = await groupedHistories(db, workspaceId, calibrationEnd);
  const bg = fitBgNbd(grouped.map((g) => ({ x: g.x, tx: g.txDays / DAYS_PER_UNIT, T: g.tDays / DAYS_PER_UNIT, count: g.count })));
  const bgRow = await recordFit(db, workspaceId, 'bgnbd', calibrationEnd, options.now, Date.now() - started, bg);
  started = Date.now();
  const gg = fitGammaGamma(await spendHistories(db, workspaceId, calibrationEnd));
  const ggRow = await recordFit(db, workspaceId, 'gamma_gamma', calibrationEnd, options.now, Date.now() - started, gg);
  if (!bg.converged) return { bgnbd: bgRow, gammaGamma: ggRow, scored: null };
  const spendModel = gg.converged ? gg.parameters : ((await latestConverged(db, workspaceId, 'gamma_gamma'))?.parameters as GammaGammaParameters | undefined) ?? null;
  const scored = await scoreProfiles(db, workspaceId, calibrationEnd, bg.parameters, spendModel, grouped, options.now);
  return { bgnbd: bgRow, gammaGamma: ggRow, scored };
}

type AnyFit = { converged: boolean; parameters: object | null; logLikelihood: number | null; sampleSize: number } & ({ converged: true; standardErrors: object | null } | { converged: false; reason: string });

async function recordFit(db: Database, workspaceId: string, model: 'bgnbd' | 'gamma_gamma', calibrationEnd: string, now: Date, durationMs: number, fit: AnyFit): Promise<ModelFitRow> {
  const [row] = await db
    .insert(modelFits)
    .values({
      workspaceId,
      model,
      fittedAt: now,
      calibrationEnd,
      parameters: fit.parameters as Record<string, number> | null,
      standardErrors: fit.converged ? (fit.standardErrors as Record<string, number> | null) : null,
      logLikelihood: fit.logLikelihood !== null && Number.isFinite(fit.logLikelihood) ? fit.logLikelihood : null,
      sampleSize: fit.sampleSize,
      converged: fit.converged,
      failureReason: fit.converged ? null : fit.reason,
      durationMs,
    })
    .returning();
  return row!;
}

export async function latestConverged(db: Database, workspaceId: string, model: 'bgnbd' | 'gamma_gamma'): Promise<ModelFitRow | undefined> {
  const [row] = await db.select().from(modelFits)
    .where(and(eq(modelFits.workspaceId, workspaceId), eq(modelFits.model, model), eq(modelFits.converged, true)))
    .orderBy(desc(modelFits.fittedAt), desc(modelFits.id)).limit(1);
  return row;
}

/** The latest fit of each model (converged or not), BG/NBD first. */
export async function latestFits(db: Database, workspaceId: string): Promise<ModelFitRow[]> {
  const { rows } = await db.execute<{ id: string }>(sql`
    select distinct on (model) id from ${modelFits} where ${modelFits.workspaceId} = ${workspaceId} order by model, fitted_at desc, id desc`);
  if (rows.length === 0) return [];
  const all = await db.select().from(modelFits).where(eq(modelFits.workspaceId, workspaceId)).orderBy(desc(modelFits.fittedAt));
  const ids = new Set(rows.map((r) => r.id));
  return all.filter((r) => ids.has(r.id)).sort((a, b) => (a.model === 'bgnbd' ? -1 : 1) - (b.model === 'bgnbd' ? -1 : 1));
}

const numbers = (values: readonly number[]): string => `{${values.join(',')}}`;

/**
 * Scores each distinct (x, t_x, T) once in JavaScript (the 2F1 lives here), then one statement
 * joins them to every profile's statistics, adds the spend (a closed form in SQL) and CLV, and
 * replaces the workspace's predictions.
 */
async function scoreProfiles(db: Database, workspaceId: string, calibrationEnd: string, p: BgNbdParameters, spend: GammaGammaParameters | null, grouped: readonly { x: number; txDays: number; tDays: number }[], now: Date): Promise<number> {
  const cols = { x: [] as number[], tx: [] as number[], t: [] as number[], alive: [] as number[], e30: [] as number[], e90: [] as number[], e365: [] as number[], p30: [] as number[], discounted: [] as number[] };
  const week = (days: number) => days / DAYS_PER_UNIT;
  const month = 365 / 12 / DAYS_PER_UNIT;
  for (const g of grouped) {
    const [tx, T] = [week(g.txDays), week(g.tDays)];
    let discounted = 0;
    let previous = 0;
    for (let k = 1; k <= CLV_MONTHS; k++) {
      const cumulative = conditionalExpectedPurchases(p, k * month, g.x, tx, T);
      discounted += (cumulative - previous) / (1 + MONTHLY_DISCOUNT_RATE) ** k;
      previous = cumulative;
    }
    const values = [probabilityAlive(p, g.x, tx, T), conditionalExpectedPurchases(p, week(30), g.x, tx, T), conditionalExpectedPurchases(p, week(90), g.x, tx, T), previous, purchaseProbability(p, week(30), g.x, tx, T), discounted];
    if (!values.every(Number.isFinite)) continue; // a 2F1 that did not converge: no prediction rather than a wrong one
    cols.x.push(g.x); cols.tx.push(g.txDays); cols.t.push(g.tDays);
    cols.alive.push(values[0]!); cols.e30.push(values[1]!); cols.e90.push(values[2]!); cols.e365.push(values[3]!); cols.p30.push(values[4]!); cols.discounted.push(values[5]!);
  }
  // E[M | x, m] = p(γ + x m) / (p x + q - 1); x = 0 or no spend model: the population mean or null.
  const spendSql = spend
    ? sql`(${spend.p}::float8 * (${spend.gamma}::float8 + case when s.m > 0 then s.x * s.m else 0 end) / (${spend.p}::float8 * case when s.m > 0 then s.x else 0 end + ${spend.q}::float8 - 1))`
    : sql`null::float8`;
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.execute<{ n: number }>(sql`
      with scored as (
        insert into ${profilePredictions} (profile_id, workspace_id, p_alive, expected_purchases_30d, expected_purchases_90d, expected_purchases_365d, purchase_probability_30d, expected_average_spend, clv_365d, fitted_at)
        select s.profile_id, ${workspaceId}, g.alive, g.e30, g.e90, g.e365, g.p30, sp.spend, sp.spend * g.discounted, ${now.toISOString()}::timestamptz
        from (${profileStatistics(workspaceId, calibrationEnd)}) s
        join unnest(${numbers(cols.x)}::int[], ${numbers(cols.tx)}::int[], ${numbers(cols.t)}::int[], ${numbers(cols.alive)}::float8[], ${numbers(cols.e30)}::float8[],
          ${numbers(cols.e90)}::float8[], ${numbers(cols.e365)}::float8[], ${numbers(cols.p30)}::float8[], ${numbers(cols.discounted)}::float8[])
          as g(x, tx_days, t_days, alive, e30, e90, e365, p30, discounted)
          on g.x = s.x and g.tx_days = s.tx_days and g.t_days = s.t_days
        cross join lateral (select case when ${spend ? sql`true` : sql`false`} and (${spend?.q ?? 0}::float8 > 1 or s.x > 0) then ${spendSql} end as spend) sp
        on conflict (profile_id) do update set workspace_id = excluded.workspace_id, p_alive = excluded.p_alive,
          expected_purchases_30d = excluded.expected_purchases_30d, expected_purchases_90d = excluded.expected_purchases_90d,
          expected_purchases_365d = excluded.expected_purchases_365d, purchase_probability_30d = excluded.purchase_probability_30d,
          expected_average_spend = excluded.expected_average_spend, clv_365d = excluded.clv_365d, fitted_at = excluded.fitted_at
        returning 1
      )
      select count(*)::int as n from scored`);
    // Profiles no longer scored (their purchases erased or moved past the calibration end) lose their row.
    await tx.delete(profilePredictions).where(and(eq(profilePredictions.workspaceId, workspaceId), sql`${profilePredictions.fittedAt} < ${now.toISOString()}::timestamptz`));
    return Number(rows[0]?.n ?? 0);
  });
}
