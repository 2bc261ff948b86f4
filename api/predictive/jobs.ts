/** The background side of the predictive models: one workspace on demand, every workspace with purchases daily. */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { events } from '../../drizzle/index.js';
import { PURCHASE_EVENT } from '../events/purchases.js';
import { fitPredictiveModels, type FitOutcome } from './predictive.service.js';

/** Payload `{ workspaceId, calibrationEnd? }` (checked: it is JSON from the queue). */
export async function runPredictiveFitTask(db: Database, payload: Record<string, unknown>, now: Date): Promise<FitOutcome> {
  const { workspaceId, calibrationEnd } = payload;
  if (typeof workspaceId !== 'string' || (calibrationEnd !== undefined && (typeof calibrationEnd !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(calibrationEnd)))) {
    throw new Error(`fit-predictive-models needs { workspaceId: string, calibrationEnd?: 'YYYY-MM-DD' }, got ${JSON.stringify(payload).slice(0, 200)}`);
  }
  const outcome = await fitPredictiveModels(db, workspaceId, { now, ...(calibrationEnd === undefined ? {} : { calibrationEnd }) });
  for (const fit of [outcome.bgnbd, outcome.gammaGamma]) {
    if (!fit.converged) console.log(`predictive models: workspace ${workspaceId} ${fit.model} did not converge: ${fit.failureReason}`);
  }
  return outcome;
}

/** Fits every workspace that has purchase events, one after the other; a workspace that fails is logged and skipped. */
export async function fitAllWorkspaces(db: Database, now: Date): Promise<number> {
  const { rows } = await db.execute<{ workspace_id: string }>(sql`select distinct ${events.workspaceId} as workspace_id from ${events} where ${events.name} = ${PURCHASE_EVENT}`);
  let fitted = 0;
  for (const { workspace_id } of rows) {
    try {
      await runPredictiveFitTask(db, { workspaceId: workspace_id }, now);
      fitted++;
    } catch (error) {
      console.error(`predictive models: workspace ${workspace_id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return fitted;
}
