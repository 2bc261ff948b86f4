/**
 * The predictive models end to end on PGlite and PostgreSQL: CDNOW loaded through the public API
 * (upsertProfiles, trackEvents purchases with revenue), fitted with the papers' calibration, must
 * reproduce the published estimates; then bad inputs: a workspace without purchases, one of
 * one-time buyers only, a refused refit that keeps the last good predictions, a bad date.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/db.js';
import { codeOf, createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { CALIBRATION_END, PUBLISHED, readCdnow } from './cdnow.js';

const FIT = `mutation($end: String) { fitPredictiveModels(calibrationEnd: $end) { queued scoredProfiles fits { model parameters standardErrors logLikelihood sampleSize converged failureReason calibrationEnd } } }`;
const MODELS = '{ predictiveModels { model converged failureReason sampleSize parameters } }';
const PREDICTED = 'query($id: ID!) { profile(id: $id) { predicted { pAlive expectedPurchases30d expectedPurchases90d expectedPurchases365d purchaseProbability30d expectedAverageSpend clv365d fittedAt } } }';

describeEachDatabase('predictive models', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  const ids = new Map<string, string>();
  const gql = (query: string, variables?: Record<string, unknown>, key = ws.keys.editor) => api.gql(query, variables, key);

  async function load(target: TestWorkspace, rows: Array<{ customer: string; day: string; value: number }>): Promise<void> {
    const customers = [...new Set(rows.map((r) => r.customer))];
    for (let i = 0; i < customers.length; i += 1000) {
      const inputs = customers.slice(i, i + 1000).map((c) => ({ externalId: `cdnow-${c}` }));
      const { upsertProfiles } = dataOf(await api.gql('mutation($i: [ProfileInput!]!) { upsertProfiles(inputs: $i) { profiles { id externalId } } }', { i: inputs }, target.keys.ingest));
      for (const p of upsertProfiles.profiles) ids.set(p.externalId, p.id);
    }
    for (let i = 0; i < rows.length; i += 1000) {
      const events = rows.slice(i, i + 1000).map((r, j) => ({ eventId: `cdnow-${i + j}`, externalId: `cdnow-${r.customer}`, name: 'purchase', timestamp: `${r.day}T12:00:00Z`, properties: { revenue: r.value } }));
      dataOf(await api.gql('mutation($e: [TrackEventInput!]!) { trackEvents(events: $e) { accepted } }', { e: events }, target.keys.ingest));
    }
  }

  beforeAll(async () => {
    api = await startTestApi(suite.db);
    ws = await createTestWorkspace(suite.db, 'CDNOW');
    await load(ws, readCdnow());
  }, 600_000);
  afterAll(async () => api?.close());

  it('reproduces the published BG/NBD and Gamma-Gamma estimates on CDNOW (39-week calibration)', async () => {
    const { fitPredictiveModels } = dataOf(await gql(FIT, { end: CALIBRATION_END }));
    const [bg, gg] = fitPredictiveModels.fits;
    expect(bg).toMatchObject({ model: 'bgnbd', converged: true, failureReason: null, sampleSize: 2357, calibrationEnd: CALIBRATION_END });
    for (const [k, v] of Object.entries(PUBLISHED.bgnbd)) expect(Math.abs(bg.parameters[k] - v) / v, k).toBeLessThan(0.01);
    expect(Math.abs(bg.logLikelihood - PUBLISHED.logLikelihood)).toBeLessThan(0.1);
    expect(gg).toMatchObject({ model: 'gamma_gamma', converged: true, sampleSize: 946 });
    for (const [k, v] of Object.entries(PUBLISHED.gammaGamma)) expect(Math.abs(gg.parameters[k] - v) / v, k).toBeLessThan(0.01);
    expect(fitPredictiveModels.scoredProfiles).toBe(2357);
    expect(dataOf(await gql(MODELS, {}, ws.keys.viewer)).predictiveModels.map((m: { model: string; converged: boolean }) => [m.model, m.converged])).toEqual([['bgnbd', true], ['gamma_gamma', true]]);
  });

  it('shows the paper\'s customer 1516 prediction on Profile.predicted', async () => {
    // CDNOW customer 00004 is the paper's x = 2, t_x = 30.43, T = 38.86 (expected 1.226 purchases in 39 weeks).
    const { predicted } = dataOf(await gql(PREDICTED, { id: ids.get('cdnow-00004') }, ws.keys.viewer)).profile;
    expect(predicted).not.toBeNull();
    // E[Y(39 weeks)] = 1.226 is not a field; P(alive) with the fitted parameters is 0.727 (lifetimes gives the same).
    expect(predicted.pAlive).toBeCloseTo(0.727, 2);
    expect(predicted.pAlive).toBeGreaterThan(0);
    expect(predicted.pAlive).toBeLessThan(1);
    expect(predicted.purchaseProbability30d).toBeLessThanOrEqual(predicted.expectedPurchases30d);
    expect(predicted.expectedPurchases30d).toBeLessThan(predicted.expectedPurchases90d);
    expect(predicted.expectedPurchases90d).toBeLessThan(predicted.expectedPurchases365d);
    expect(predicted.expectedAverageSpend).toBeGreaterThan(0);
    expect(predicted.clv365d).toBeLessThan(predicted.expectedAverageSpend * predicted.expectedPurchases365d);
  });

  it('records a refused refit and keeps the last good predictions', async () => {
    const before = dataOf(await gql(PREDICTED, { id: ids.get('cdnow-00004') })).profile.predicted;
    // On 1997-01-01 only that day's first buyers exist, none has bought twice: the BG/NBD cannot be fitted.
    const { fitPredictiveModels } = dataOf(await gql(FIT, { end: '1997-01-01' }));
    expect(fitPredictiveModels.scoredProfiles).toBeNull();
    expect(fitPredictiveModels.fits[0]).toMatchObject({ model: 'bgnbd', converged: false, failureReason: expect.stringMatching(/no customer has a repeat purchase|needs at least/) });
    expect(dataOf(await gql(PREDICTED, { id: ids.get('cdnow-00004') })).profile.predicted).toEqual(before);
    expect(dataOf(await gql(MODELS)).predictiveModels[0]).toMatchObject({ model: 'bgnbd', converged: false });
  });

  it('refuses a workspace without purchases and one of one-time buyers, with reasons', async () => {
    const empty = await createTestWorkspace(suite.db, 'No purchases');
    const none = dataOf(await api.gql(FIT, {}, empty.keys.admin)).fitPredictiveModels;
    expect(none.fits.map((f: { converged: boolean; sampleSize: number }) => [f.converged, f.sampleSize])).toEqual([[false, 0], [false, 0]]);
    expect(none.fits[0].failureReason).toContain('0 customers');
    const once = await createTestWorkspace(suite.db, 'One-time buyers');
    await load(once, Array.from({ length: 50 }, (_, i) => ({ customer: `once${i}`, day: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`, value: 10 + i })));
    const oneTime = dataOf(await api.gql(FIT, { end: '2026-02-01' }, once.keys.admin)).fitPredictiveModels;
    expect(oneTime.fits[0]).toMatchObject({ converged: false, sampleSize: 50, failureReason: expect.stringContaining('no customer has a repeat purchase') });
    expect(oneTime.scoredProfiles).toBeNull();
  });

  it('rejects a bad calibration date and a viewer', async () => {
    expect(codeOf(await gql(FIT, { end: '1997-13-45x' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(FIT, { end: CALIBRATION_END }, ws.keys.viewer))).toBe('FORBIDDEN');
  });
});
