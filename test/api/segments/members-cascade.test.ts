/**
 * segment_members has no foreign keys (membership writes are the bulk of a recompute): deleting a
 * profile, a segment or a workspace still deletes their memberships, in the same statement.
 */
import { eq, inArray } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../../api/db/index.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { profiles, segmentMembers, segments, workspaces } from '../../../drizzle/index.js';
import { createServerDatabase, describeEachDatabase } from '../../helpers/db.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const T0 = new Date('2026-11-01T00:00:00Z');

describeEachDatabase('memberships follow deletions', (suite) => {
  let workspaceId = '';
  let profileIds: string[] = [];
  let segmentIds: string[] = [];
  const members = async () => (await suite.db.select().from(segmentMembers).where(inArray(segmentMembers.segmentId, segmentIds))).length;

  beforeEach(async () => {
    workspaceId = await createWorkspace(suite.db);
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }, { externalId: 'c' }], T0, 'inputs');
    profileIds = (await suite.db.select({ id: profiles.id }).from(profiles).where(eq(profiles.workspaceId, workspaceId))).map((p) => p.id);
    const service = new SegmentService(suite.db, workspaceId, () => T0);
    segmentIds = [];
    for (const slug of ['everyone', 'everyone-too']) {
      const created = await service.create({ slug, name: slug, type: 'dynamic', rule: { all: [] } });
      segmentIds.push((await service.publish(created.id)).id);
    }
  });

  it('deleting profiles deletes their memberships', async () => {
    expect(await members()).toBe(6);
    await suite.db.delete(profiles).where(eq(profiles.id, profileIds[0]!));
    expect(await members()).toBe(4);
    await suite.db.delete(profiles).where(inArray(profiles.id, profileIds.slice(1)));
    expect(await members()).toBe(0);
  });

  it('deleting a segment deletes its memberships', async () => {
    await suite.db.delete(segments).where(eq(segments.id, segmentIds[0]!));
    expect(await members()).toBe(3);
  });

  it('deleting a workspace deletes every membership of it', async () => {
    await suite.db.delete(workspaces).where(eq(workspaces.id, workspaceId));
    expect(await members()).toBe(0);
  });
});

describe('a static add racing a profile deletion [postgres]', () => {
  let server: Awaited<ReturnType<typeof createServerDatabase>>;
  let opened: OpenedDatabase;
  let other: pg.Client;

  beforeAll(async () => {
    server = await createServerDatabase();
    opened = await openDatabase({ driver: 'postgres', url: server.url });
    other = new pg.Client({ connectionString: server.url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await opened?.close();
    await server?.drop();
  });

  it('waits for the deletion, refuses the deleted profile and leaves no membership behind', async () => {
    const db = opened.db;
    const workspaceId = await createWorkspace(db);
    await upsertProfiles(db, workspaceId, [{ externalId: 'a' }, { externalId: 'b' }], T0, 'inputs');
    const ids = (await db.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(eq(profiles.workspaceId, workspaceId)))
      .sort((x, y) => (x.externalId ?? '').localeCompare(y.externalId ?? ''))
      .map((p) => p.id);
    const service = new SegmentService(db, workspaceId, () => T0);
    const list = await service.create({ slug: 'vip', name: 'VIP', type: 'static' });

    await other.query('begin');
    await other.query('delete from profiles where id = $1', [ids[0]]);
    const adding = service.addToStatic(list.id, ids);
    adding.catch(() => undefined);
    // Until the add waits for the deleting transaction's row lock (bounded: without the lock it never waits).
    for (let i = 0; i < 100; i++) {
      const { rows } = await other.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if (rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await other.query('commit');

    await expect(adding).rejects.toThrow(/No profiles/);
    expect(await db.select().from(segmentMembers).where(eq(segmentMembers.segmentId, list.id))).toEqual([]);
  });
});
