/**
 * The time-window pass (api/segments/due.ts) step by step: the first pass seeds; each later pass
 * evaluates exactly the profiles whose instant has come and records sizes; a publish gives the
 * profiles its windows' instants; a profile marked dirty is left to the dirty evaluator; the row of
 * an erased profile is dropped; only the segments time can change are evaluated (a timeless one is
 * left alone, and memberships stay exact). Profiles and events through the services, on PGlite and
 * PostgreSQL.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { trackEvents } from '../../../api/events/events.service.js';
import { deleteProfile } from '../../../api/profiles/profiles.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import type { Database } from '../../../api/db/index.js';
import { loadPublishedDefinitions } from '../../../api/segments/definitions.js';
import { refreshDue } from '../../../api/segments/due.js';
import { compiledEvaluation, isTimeDependent } from '../../../api/segments/membership.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { dirtyProfiles, profileDue, profiles, segmentMembers, segmentSizeHistory } from '../../../drizzle/index.js';
import type { RuleJson } from '../../../schema/rule.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { membershipState } from '../../helpers/membership-state.js';
import { settleMemberships } from '../../helpers/memberships.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** External ids of a segment's stored members, sorted. */
const members = async (db: Database, segmentId: string) =>
  (await db.select({ externalId: profiles.externalId }).from(segmentMembers).innerJoin(profiles, eq(profiles.id, segmentMembers.profileId)).where(eq(segmentMembers.segmentId, segmentId)))
    .map((r) => r.externalId)
    .sort();

describeEachDatabase('the time-window pass evaluates only the profiles due', (suite) => {
  let workspaceId = '';
  let recentId = '';
  const ids = new Map<string, string>();
  const dueOf = async (externalId: string) => (await suite.db.select().from(profileDue).where(eq(profileDue.profileId, ids.get(externalId)!)))[0]?.dueAt.getTime() ?? null;

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
    expect(await members(suite.db, recentId)).toEqual(['a', 'b', 'c']);
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 10 * DAY })).toMatchObject({ seeded: false, evaluated: 0 });
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 10 * DAY + 1 })).toMatchObject({ evaluated: 1, removed: 1 });
    expect(await members(suite.db, recentId)).toEqual(['b', 'c']);
    expect(await dueOf('a')).toBeNull();
    // b and c at once, 29 days later.
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 29 * DAY + 1, batchSize: 1 })).toMatchObject({ evaluated: 2, removed: 2 });
    expect(await members(suite.db, recentId)).toEqual([]);
    const sizes = await suite.db.select().from(segmentSizeHistory).where(eq(segmentSizeHistory.segmentId, recentId));
    expect(sizes.map((s) => s.size)).toEqual([3, 2, 1, 0]); // one batch of one profile at a time
  });

  it('a publish gives the profiles the instants of its windows', async () => {
    const now = T0 + 30 * DAY;
    const service = new SegmentService(suite.db, workspaceId, () => new Date(now));
    await suite.db.delete(profileDue).where(eq(profileDue.workspaceId, workspaceId));
    const older = (await service.publish((await service.create({ slug: 'older', name: 'Older', type: 'dynamic', rule: { event: 'purchase', inLastDays: 60 } })).id)).id;
    expect(await members(suite.db, older)).toEqual(['a', 'b', 'c']);
    expect(await dueOf('a')).toBe(T0 - 20 * DAY + 60 * DAY + 1);
    expect(await dueOf('c')).toBe(T0 - DAY + 60 * DAY + 1);
    expect(await dueOf('quiet')).toBeNull();
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 40 * DAY + 1 })).toMatchObject({ evaluated: 1, removed: 1 });
    expect(await members(suite.db, older)).toEqual(['b', 'c']);
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

describeEachDatabase('the time-window pass evaluates only the segments time can change', (suite) => {
  it('leaves a segment with no time-dependent part (and none it references) alone, and memberships stay exact', async () => {
    const workspaceId = await createWorkspace(suite.db, 'due-scope');
    const at = new Date(T0);
    await upsertProfiles(suite.db, workspaceId, ['a', 'b', 'c'].map((externalId) => ({ externalId })), at);
    await trackEvents(suite.db, workspaceId, [
      { eventId: '1', externalId: 'a', name: 'purchase', properties: {}, timestamp: new Date(T0 - 20 * DAY).toISOString() },
      { eventId: '2', externalId: 'b', name: 'purchase', properties: {}, timestamp: new Date(T0 - 5 * DAY).toISOString() },
    ], at);
    const service = new SegmentService(suite.db, workspaceId, () => at);
    const publish = async (slug: string, rule: RuleJson) => (await service.publish((await service.create({ slug, name: slug, type: 'dynamic', rule })).id)).id;
    const recent = await publish('recent', { event: 'purchase', inLastDays: 30 });
    const buyers = await publish('buyers', { event: 'purchase' }); // no window: only writes change it
    const buyersToo = await publish('buyers-too', { any: [{ segment: 'buyers' }] }); // references only a timeless one
    const lapsed = await publish('lapsed', { all: [{ segment: 'buyers' }, { not: { segment: 'recent' } }] }); // references a windowed one
    await settleMemberships(suite.db, T0);
    await refreshDue(suite.db, workspaceId, { now: T0 }); // seeds

    const definitions = await loadPublishedDefinitions(suite.db, workspaceId);
    const timeDependent = [...definitions.byId.values()].filter((d) => isTimeDependent(d, definitions)).map((d) => d.slug).sort();
    expect(timeDependent).toEqual(['lapsed', 'recent']);
    expect(compiledEvaluation(definitions, 'time').dynamic.map((d) => d.slug).sort()).toEqual(['lapsed', 'recent']);
    expect(compiledEvaluation(definitions).dynamic).toHaveLength(4);

    // A membership removed behind the evaluators' back (no write marks anything dirty): an evaluation
    // of a against a segment would put it back. The pass at a's instant (its purchase leaves the
    // window) evaluates a against recent and lapsed only.
    const [aRow] = await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, workspaceId), eq(profiles.externalId, 'a')));
    const tampered = await suite.db
      .delete(segmentMembers)
      .where(and(inArray(segmentMembers.segmentId, [buyers, buyersToo]), eq(segmentMembers.profileId, aRow!.id)))
      .returning();
    expect(tampered).toHaveLength(2);
    const dueAt = T0 + 10 * DAY + 1;
    expect(await refreshDue(suite.db, workspaceId, { now: dueAt })).toMatchObject({ evaluated: 1, added: 1, removed: 1 });
    expect(await members(suite.db, recent)).toEqual(['b']);
    expect(await members(suite.db, lapsed)).toEqual(['a']);
    expect(await members(suite.db, buyers)).toEqual(['b']); // not evaluated: still without a
    expect(await members(suite.db, buyersToo)).toEqual(['b']);
    await suite.db.insert(segmentMembers).values(tampered); // undone (the recorded sizes never saw it)

    // Without tampering, passes over the next two months keep every membership equal to a
    // from-scratch evaluation, timeless segments included.
    for (const now of [T0 + 20 * DAY, T0 + 25 * DAY + 1, T0 + 40 * DAY, T0 + 60 * DAY]) {
      await refreshDue(suite.db, workspaceId, { now });
      expect(await membershipState(suite.db, workspaceId, now)).toMatchObject({ stale: [], sizeMismatches: [] });
    }
    expect(await members(suite.db, recent)).toEqual([]);
    expect(await members(suite.db, lapsed)).toEqual(['a', 'b']);
    expect(await members(suite.db, buyers)).toEqual(['a', 'b']);
  });

  it('clears the instants of due profiles when no published segment depends on time any more', async () => {
    const workspaceId = await createWorkspace(suite.db, 'due-none');
    const at = new Date(T0);
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }], at);
    await trackEvents(suite.db, workspaceId, [{ eventId: '1', externalId: 'a', name: 'purchase', properties: {}, timestamp: new Date(T0 - DAY).toISOString() }], at);
    const service = new SegmentService(suite.db, workspaceId, () => at);
    const windowed = (await service.publish((await service.create({ slug: 'recent', name: 'Recent', type: 'dynamic', rule: { event: 'purchase', inLastDays: 7 } })).id)).id;
    await service.publish((await service.create({ slug: 'buyers', name: 'Buyers', type: 'dynamic', rule: { event: 'purchase' } })).id);
    await settleMemberships(suite.db, T0);
    await refreshDue(suite.db, workspaceId, { now: T0 });
    await service.archive(windowed);
    const stored = () => suite.db.select().from(profileDue).where(eq(profileDue.workspaceId, workspaceId));
    expect(await stored()).toHaveLength(1); // a's instant, computed while 'recent' was published
    // Batches of one: a pass that left the instant in place would claim it forever.
    expect(await refreshDue(suite.db, workspaceId, { now: T0 + 7 * DAY, batchSize: 1 })).toMatchObject({ evaluated: 1, added: 0, removed: 0 });
    expect(await stored()).toEqual([]);
    expect(await membershipState(suite.db, workspaceId, T0 + 7 * DAY)).toMatchObject({ stale: [], sizeMismatches: [] });
  });
});
