/**
 * Compares the stored memberships of a workspace with a from-scratch evaluation: every profile
 * evaluated at `now` against every published dynamic segment (evaluateProfiles, whose references to
 * dynamic segments are compiled in, never read from stored members), and the last recorded size of
 * each of those segments with its member count.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../api/db/index.js';
import { loadPublishedDefinitions } from '../../api/segments/definitions.js';
import { compiledEvaluation, evaluateProfiles } from '../../api/segments/membership.service.js';
import { profiles, segmentMembers } from '../../drizzle/index.js';

export interface MembershipState {
  /** `+slug/externalId` (should be a member, is not) and `-slug/externalId` (is, should not be). */
  stale: string[];
  /** `slug: history <last size> members <count>` where they differ. */
  sizeMismatches: string[];
  /** How many memberships of the dynamic segments are stored. */
  members: number;
}

export async function membershipState(db: Database, workspaceId: string, now: number): Promise<MembershipState> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const { dynamic } = compiledEvaluation(definitions);
  const all = await db.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(eq(profiles.workspaceId, workspaceId));
  const names = new Map(all.map((p) => [p.id, p.externalId ?? p.id]));
  const expected = new Set<string>();
  if (dynamic.length > 0 && all.length > 0) {
    for (let start = 0; start < all.length; start += 500) {
      const rows = await evaluateProfiles(db, definitions, workspaceId, all.slice(start, start + 500).map((p) => p.id), now);
      for (const row of rows) dynamic.forEach((d, i) => row[`s${i}`] === true && expected.add(`${d.slug}/${names.get(row.id as string)}`));
    }
  }
  const slugs = new Map(dynamic.map((d) => [d.id, d.slug]));
  const stored = dynamic.length === 0 ? [] : await db.select().from(segmentMembers).where(inArray(segmentMembers.segmentId, dynamic.map((d) => d.id)));
  const actual = new Set(stored.map((m) => `${slugs.get(m.segmentId)}/${names.get(m.profileId) ?? m.profileId}`));
  const stale = [...[...expected].filter((k) => !actual.has(k)).map((k) => `+${k}`), ...[...actual].filter((k) => !expected.has(k)).map((k) => `-${k}`)].sort();
  const sizeMismatches: string[] = [];
  for (const d of dynamic) {
    const result = await db.execute(sql`
      select (select h.size from segment_size_history h where h.segment_id = ${d.id} order by h.at desc, h.seq desc limit 1) as history,
             (select count(*)::int from segment_members m where m.segment_id = ${d.id}) as members`);
    const row = result.rows[0] as { history: number | null; members: number };
    if (Number(row.history ?? 0) !== Number(row.members)) sizeMismatches.push(`${d.slug}: history ${row.history} members ${row.members}`);
  }
  return { stale, sizeMismatches, members: stored.length };
}
