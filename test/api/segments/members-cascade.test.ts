/**
 * segment_members has no foreign keys (membership writes are the bulk of a recompute): deleting a
 * profile, a segment or a workspace still deletes their memberships, in the same statement.
 */
import { eq, inArray } from 'drizzle-orm';
import { beforeEach, expect, it } from 'vitest';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { profiles, segmentMembers, segments, workspaces } from '../../../drizzle/index.js';
import { describeEachDatabase } from '../../helpers/db.js';
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
