/**
 * Time windows move on without any event: the periodic refresh takes people out of "bought in the
 * last 30 days" when the 30 days are over, and records the new size.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { trackEvents } from '../../../api/events/events.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { refreshWorkspace } from '../../../api/segments/membership.service.js';
import { startRefreshScheduler } from '../../../api/segments/refresh-scheduler.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { segmentMembers, segmentSizeHistory } from '../../../drizzle/index.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const DAY = 86_400_000;
const T0 = new Date('2026-11-01T00:00:00Z');

describeEachDatabase('membership refresh over time', (suite) => {
  let workspaceId = '';
  let segmentId = '';
  const members = async () => (await suite.db.select().from(segmentMembers).where(eq(segmentMembers.segmentId, segmentId))).length;

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db);
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }], T0, 'inputs');
    const at = (days: number) => new Date(T0.getTime() - days * DAY).toISOString();
    await trackEvents(suite.db, workspaceId, [
      { eventId: '1', externalId: 'a', name: 'purchase', properties: { revenue: 10 }, timestamp: at(20) },
      { eventId: '2', externalId: 'b', name: 'purchase', properties: { revenue: 10 }, timestamp: at(5) },
    ], T0);
    const service = new SegmentService(suite.db, workspaceId, () => T0);
    const created = await service.create({ slug: 'recent', name: 'Recent buyers', type: 'dynamic', rule: { attr: 'purchases.last', op: 'inLastDays', value: 30 } });
    segmentId = (await service.publish(created.id)).id;
  });

  it('drops members whose window has passed and records the size', async () => {
    expect(await members()).toBe(2);
    await refreshWorkspace(suite.db, workspaceId, T0.getTime() + 15 * DAY);
    expect(await members()).toBe(1);
    await refreshWorkspace(suite.db, workspaceId, T0.getTime() + 40 * DAY);
    expect(await members()).toBe(0);
    const history = await suite.db.select().from(segmentSizeHistory).where(and(eq(segmentSizeHistory.segmentId, segmentId)));
    expect(history.map((h) => h.size)).toEqual([2, 1, 0]);
  });

  it('the scheduler runs passes that never overlap', async () => {
    const scheduler = startRefreshScheduler(suite.db, 3_600_000);
    try {
      const [a, b] = [scheduler.runOnce(), scheduler.runOnce()];
      expect(a).toBe(b);
      await a;
    } finally {
      scheduler.stop();
    }
  });
});
