/**
 * The time-window pass (api/segments/due.ts) step by step: the first pass seeds; each later pass
 * evaluates exactly the profiles whose instant has come and records sizes; a publish gives the
 * profiles its windows' instants; a profile marked dirty is left to the dirty evaluator; the row of
 * an erased profile is dropped. Profiles and events through the services, on PGlite and PostgreSQL.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { trackEvents } from '../../../api/events/events.service.js';
import { deleteProfile } from '../../../api/profiles/profiles.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { refreshDue } from '../../../api/segments/due.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { dirtyProfiles, profileDue, profiles, segmentMembers, segmentSizeHistory } from '../../../drizzle/index.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { settleMemberships } from '../../helpers/memberships.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describeEachDatabase('the time-window pass evaluates only the profiles due', (suite) => {
  let workspaceId = '';
  let recentId = '';
  const ids = new Map<string, string>();
  const dueOf = async (externalId: string) => (await suite.db.select().from(profileDue).where(eq(profileDue.profileId, ids.get(externalId)!)))[0]?.dueAt.getTime() ?? null;
  const members = async (segmentId: string) =>
    (await suite.db.select({ externalId: profiles.externalId }).from(segmentMembers).innerJoin(profiles, eq(profiles.id, segmentMembers.profileId)).where(eq(segmentMembers.segmentId, segmentId)))
      .map((r) => r.externalId)
      .sort();

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db, 'due');
    const at = new Date(T0);
    await upsertProfiles(suite.db, workspaceId, ['a', 'b', 'c', 'quiet'].map((externalId) => ({ externalId })), at);
    await trackEvents(suite.db, workspaceId, [
      { eventId: '1', externalId: 'a', name: 'purchase', properties: {}, timestamp: new Date(T0 - 20 * DAY).toISOString() },
      { eventId: '2', externalId: 'b', name: 'purchase', properties: {}, timestamp: new Date(T0 - 5 * DAY).toISOString() },
      { eventId: '3', externalId: 'c', name: 'purchase', properties: {}, timestamp: new Date(T0 - 1 * DAY).toISOString() },
    ], at);
    for (const p of await suite.db.select().from(profiles).where(eq(profiles.workspaceId, workspaceId))) ids.set(p.externalId!, p.id);
    const service = new SegmentService(suite.db, workspaceId, () => at);
    recentId = (await service.publish((await service.create({ slug: 'recent', name: 'Recent', type: 'dynamic', rule: { event: 'purchase', inLastDays: 30 } })).id)).id;
    await settleMemberships(suite.db, T0);
  });

  it('seeds on the first pass, then evaluates the due profiles only, when their windows end', async () => {
    // Evaluations (the dirty evaluator's) already stored instants: a leaves the window 30 days after its purchase.
    expect(await dueOf('a')).toBe(T0 + 10 * DAY + 1);
    expect(await dueOf('quiet')).toBeNull(); // no purchase: nothing can change with time alone
    expect(await refreshDue(suite.db, workspaceId, { now: T0 })).toMatchObject({ seeded: true, evaluated: 0 });
    expect(await members(recentId)).toEqual(['a', 'b', 'c']);
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 10 * DAY })).toMatchObject({ seeded: false, evaluated: 0 });
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 10 * DAY + 1 })).toMatchObject({ evaluated: 1, removed: 1 });
    expect(await members(recentId)).toEqual(['b', 'c']);
    expect(await dueOf('a')).toBeNull();
    // b and c at once, 29 days later.
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 29 * DAY + 1, batchSize: 1 })).toMatchObject({ evaluated: 2, removed: 2 });
    expect(await members(recentId)).toEqual([]);
    const sizes = await suite.db.select().from(segmentSizeHistory).where(eq(segmentSizeHistory.segmentId, recentId));
    expect(sizes.map((s) => s.size)).toEqual([3, 2, 1, 0]); // one batch of one profile at a time
  });

  it('a publish gives the profiles the instants of its windows', async () => {
    const now = T0 + 30 * DAY;
    const service = new SegmentService(suite.db, workspaceId, () => new Date(now));
    await suite.db.delete(profileDue).where(eq(profileDue.workspaceId, workspaceId));
    const older = (await service.publish((await service.create({ slug: 'older', name: 'Older', type: 'dynamic', rule: { event: 'purchase', inLastDays: 60 } })).id)).id;
    expect(await members(older)).toEqual(['a', 'b', 'c']);
    expect(await dueOf('a')).toBe(T0 - 20 * DAY + 60 * DAY + 1);
    expect(await dueOf('c')).toBe(T0 - DAY + 60 * DAY + 1);
    expect(await dueOf('quiet')).toBeNull();
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 40 * DAY + 1 })).toMatchObject({ evaluated: 1, removed: 1 });
    expect(await members(older)).toEqual(['b', 'c']);
  });

  it('leaves a profile marked dirty to the dirty evaluator, and drops the row of an erased one', async () => {
    const now = T0 + 60 * DAY;
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'b', traits: {} }], new Date(now)); // marks b
    expect(await suite.db.select().from(dirtyProfiles).where(eq(dirtyProfiles.profileId, ids.get('b')!))).toHaveLength(1);
    await deleteProfile(suite.db, workspaceId, { externalId: 'c' }, new Date(now));
    expect(await refreshDue(suite.db, workspaceId, { now })).toMatchObject({ evaluated: 0 });
    expect(await suite.db.select().from(profileDue).where(eq(profileDue.profileId, ids.get('c')!))).toEqual([]);
    expect(await dueOf('b')).toBe(T0 - 5 * DAY + 60 * DAY + 1);
    await settleMemberships(suite.db, now);
    expect(await dueOf('b')).toBeNull();
  });
});

describeEachDatabase('due instants of extreme overdue-ratio thresholds', (suite) => {
  it('evaluates and publishes without a float8 underflow or overflow (5e-324, 1e308, -1e308 found by the property test)', async () => {
    const workspaceId = await createWorkspace(suite.db, 'due-extremes');
    const at = new Date(T0);
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'buyer' }], at);
    // Three purchases 1 ms apart: an average interval of ~6e-9 days.
    await trackEvents(
      suite.db,
      workspaceId,
      [0, 1, 2].map((i) => ({ eventId: `x${i}`, externalId: 'buyer', name: 'purchase', properties: { revenue: 1 }, timestamp: new Date(T0 - DAY + i).toISOString() })),
      at,
    );
    const service = new SegmentService(suite.db, workspaceId, () => at);
    for (const [slug, op, value] of [['tiny', 'in', [5e-324]], ['huge', 'gt', 1e308], ['negative', 'lt', -1e308], ['tiny-gt', 'gte', 5e-324]] as const) {
      await service.publish((await service.create({ slug, name: slug, type: 'dynamic', rule: { attr: 'purchases.overdueRatio', op, value } })).id);
    }
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'buyer', firstName: 'again' }], at);
    await settleMemberships(suite.db, T0);
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 2 * DAY })).toMatchObject({ seeded: true });
    const [row] = await suite.db.select().from(profiles).where(eq(profiles.externalId, 'buyer'));
    expect(row!.avgIntervalDays).toBeGreaterThan(0);
    expect(row!.avgIntervalDays).toBeLessThan(1e-7);
  });
});
