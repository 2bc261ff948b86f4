/**
 * refreshProfiles runs one statement compiled per published definition set: time windows move with
 * the `now` it is given without compiling again, and publishing or archiving a segment compiles a
 * new statement that the next refresh uses.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { trackEvents } from '../../../api/events/events.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { loadPublishedDefinitions } from '../../../api/segments/definitions.js';
import { compiledEvaluation, refreshProfiles } from '../../../api/segments/membership.service.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { profiles, segmentMembers, segmentSizeHistory, segments } from '../../../drizzle/index.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const DAY = 86_400_000;
const T0 = new Date('2026-11-01T00:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

describeEachDatabase('refreshProfiles with a compiled statement per definition set', (suite) => {
  let workspaceId = '';
  let ids: string[] = [];
  const byExternal = new Map<string, string>();
  const service = () => new SegmentService(suite.db, workspaceId, () => T0);

  /** External ids of the members of the segment `slug`, sorted. */
  const members = async (slug: string) => {
    const rows = await suite.db
      .select({ externalId: profiles.externalId })
      .from(segmentMembers)
      .innerJoin(segments, eq(segments.id, segmentMembers.segmentId))
      .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
      .where(and(eq(segments.workspaceId, workspaceId), eq(segments.slug, slug)));
    return rows.map((r) => r.externalId).sort();
  };

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db, 'refresh-profiles');
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }], T0, 'inputs');
    await trackEvents(suite.db, workspaceId, [
      { eventId: '1', externalId: 'a', name: 'purchase', properties: { revenue: 10 }, timestamp: at(-20).toISOString() },
      { eventId: '2', externalId: 'b', name: 'purchase', properties: { revenue: 10 }, timestamp: at(-5).toISOString() },
    ], T0);
    const rows = await suite.db.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(eq(profiles.workspaceId, workspaceId));
    for (const r of rows) byExternal.set(r.externalId as string, r.id);
    ids = [byExternal.get('a')!, byExternal.get('b')!];
    for (const [slug, rule] of [
      ['bought-event', { event: 'purchase', inLastDays: 30 }],
      ['bought-column', { attr: 'purchases.last', op: 'inLastDays', value: 30 }],
    ] as const) {
      const created = await service().create({ slug, name: slug, type: 'dynamic', rule });
      await service().publish(created.id);
    }
  });

  it('moves time windows with now, through the same compiled statement', async () => {
    const compiled = compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId));
    expect(compiled.dynamic.map((d) => d.slug).sort()).toEqual(['bought-column', 'bought-event']);
    expect(await members('bought-event')).toEqual(['a', 'b']);
    // Through the profile service's clock: 15 days on, a's purchase is 35 days old.
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }], at(15), 'inputs', { waitForMemberships: true });
    expect(await members('bought-event')).toEqual(['b']);
    expect(await members('bought-column')).toEqual(['b']);
    await refreshProfiles(suite.db, workspaceId, ids, at(40).getTime());
    expect(await members('bought-event')).toEqual([]);
    expect(await members('bought-column')).toEqual([]);
    // Back to the day of the purchases plus 1 ms short of a's 30 days: both again.
    await refreshProfiles(suite.db, workspaceId, ids, at(10).getTime() - 1);
    expect(await members('bought-event')).toEqual(['a', 'b']);
    expect(await members('bought-column')).toEqual(['a', 'b']);
    // Exactly 30 days after a's purchase is still inside the window; 1 ms later is not.
    await refreshProfiles(suite.db, workspaceId, ids, at(10).getTime());
    expect(await members('bought-event')).toEqual(['a', 'b']);
    await refreshProfiles(suite.db, workspaceId, ids, at(10).getTime() + 1);
    expect(await members('bought-event')).toEqual(['b']);
    expect(await members('bought-column')).toEqual(['b']);
    // Nothing was compiled again: the definitions and their statement are the same objects.
    expect(compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId))).toBe(compiled);
  });

  it('prepares the one-profile statement once per connection on PostgreSQL and Neon, and plans a batch for its ids', async () => {
    if (suite.kind === 'pglite') return; // PGlite has no named statements: the cached text runs with parameters
    const compiled = compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId));
    const names = [compiled.refreshMany.name, compiled.refreshOne.name];
    const runs = await suite.db.transaction(async (tx) => {
      await refreshProfiles(tx, workspaceId, ids, at(40).getTime());
      await refreshProfiles(tx, workspaceId, ids, T0.getTime());
      await refreshProfiles(tx, workspaceId, ids, at(40).getTime());
      // One profile, the usual call, has a statement of its own.
      await refreshProfiles(tx, workspaceId, [ids[0]!], T0.getTime());
      await refreshProfiles(tx, workspaceId, [ids[0]!], at(40).getTime());
      const result = await tx.execute(sql`select name, (generic_plans + custom_plans)::int as runs from pg_prepared_statements where name = any(${`{${names.join(',')}}`}::text[])`);
      return (result.rows as Array<{ name: string; runs: number }>).map((r) => [r.name, r.runs]);
    });
    // Counts are per connection, which earlier tests may have used too. A batch runs unnamed: a
    // generic plan would be made for ten ids, whatever the batch holds.
    expect(runs.map(([name]) => name)).toEqual([compiled.refreshOne.name]);
    expect(runs[0]![1]).toBeGreaterThanOrEqual(2);
    expect(await members('bought-event')).toEqual([]);
  });

  it('compiles a new statement after an archive and after a publish', async () => {
    const before = compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId));
    const [column] = await suite.db.select({ id: segments.id }).from(segments).where(and(eq(segments.workspaceId, workspaceId), eq(segments.slug, 'bought-column')));
    await service().archive(column!.id);
    const archived = compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId));
    expect(archived).not.toBe(before);
    expect(archived.one.name).not.toBe(before.one.name);
    expect(archived.dynamic.map((d) => d.slug)).toEqual(['bought-event']);
    await refreshProfiles(suite.db, workspaceId, ids, T0.getTime());
    expect(await members('bought-event')).toEqual(['a', 'b']);
    expect(await members('bought-column')).toEqual([]); // archived: not evaluated any more

    // Published at T0 nobody has lapsed; refreshed 40 days later, both have, through the new statement.
    const lapsed = await service().create({ slug: 'lapsed', name: 'Lapsed', type: 'dynamic', rule: { not: { event: 'purchase', inLastDays: 30 } } });
    await service().publish(lapsed.id);
    expect(await members('lapsed')).toEqual([]);
    const published = compiledEvaluation(await loadPublishedDefinitions(suite.db, workspaceId));
    expect(published).not.toBe(archived);
    expect(published.dynamic.map((d) => d.slug).sort()).toEqual(['bought-event', 'lapsed']);
    const result = await refreshProfiles(suite.db, workspaceId, ids, at(40).getTime());
    expect(result).toEqual({ added: 2, removed: 2 });
    expect(await members('lapsed')).toEqual(['a', 'b']);
    expect(await members('bought-event')).toEqual([]);
    // Sizes follow from the recorded size and the changes: a point per change, none without one.
    await refreshProfiles(suite.db, workspaceId, ids, at(41).getTime());
    const history = await suite.db.select({ size: segmentSizeHistory.size }).from(segmentSizeHistory).where(eq(segmentSizeHistory.segmentId, lapsed.id)).orderBy(segmentSizeHistory.seq);
    expect(history.map((r) => r.size)).toEqual([0, 2]);
    // A trait declared since is part of what validation read: new definitions, a new statement.
    const beforeTrait = await loadPublishedDefinitions(suite.db, workspaceId);
    expect(await loadPublishedDefinitions(suite.db, workspaceId)).toBe(beforeTrait);
    await defineTrait(suite.db, workspaceId, 'tier', 'string', null);
    const afterTrait = await loadPublishedDefinitions(suite.db, workspaceId);
    expect(afterTrait).not.toBe(beforeTrait);
    expect(compiledEvaluation(afterTrait)).not.toBe(compiledEvaluation(beforeTrait));
    expect([...afterTrait.byId.keys()].sort()).toEqual([...beforeTrait.byId.keys()].sort());
    const stored = await suite.db.select({ n: sql<number>`count(*)::int` }).from(segmentMembers).where(inArray(segmentMembers.profileId, ids));
    expect(stored[0]?.n).toBe(2);
  });
}, ['pglite', 'postgres', 'neon']);
