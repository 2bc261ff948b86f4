/**
 * What publishing a version would change, before it is published: the profiles its rule matches
 * now that are not members (added), the members it no longer matches (removed), and the members it
 * keeps. Computed against the segment's current members (those of its published version; none when
 * it was never published) at one instant, in SQL over the same predicate as publishing
 * (rule-sql.ts; edge-scoped rules too, as publishing materialises them), so the counts are exactly what
 * the publish would do at that instant. The two sides
 * are also listed as keyset pages: added profiles by (createdAt, id), removed members by (joinedAt, id).
 */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError } from '../errors.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { profiles, segmentMembers, segmentVersions, type ProfileRow, type SegmentRow } from '../../drizzle/index.js';
import { loadPublishedDefinitions } from './definitions.js';
import { disableJit } from './membership.service.js';
import { compileRuleSql } from './rule-sql.js';
import { SegmentService } from './segments.service.js';

export interface VersionDiffCounts {
  segmentId: string;
  version: number;
  /** The published version the members come from (null: never published, no members). */
  comparedWith: number | null;
  at: Date;
  added: number;
  removed: number;
  kept: number;
}

/** A computed diff: the counts, and what its pages need (the compiled predicate, the workspace). */
export interface VersionDiff extends VersionDiffCounts {
  workspaceId: string;
  matches: SQL;
}

/** Loads the version, checks it can be compared, and compiles its rule at `now`. */
async function compileVersion(db: Database, workspaceId: string, segment: SegmentRow, versionNumber: number, now: Date): Promise<{ version: number; matches: SQL }> {
  if (segment.type === 'static') {
    throw new BadInputError(`Segment '${segment.slug}' is static: a list has no rule, its members change only by addToStaticSegment and removeFromStaticSegment`);
  }
  if (segment.status === 'archived') throw new ConflictError(`Segment '${segment.slug}' is archived: unarchive it first`);
  const wanted = versionNumber;
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new BadInputError(`version: must be a version number >= 1, not ${wanted}`, { problems: [{ path: 'version', message: 'out of range' }] });
  }
  const [row] = await db
    .select({ rule: segmentVersions.rule })
    .from(segmentVersions)
    .where(and(eq(segmentVersions.segmentId, segment.id), eq(segmentVersions.version, wanted)));
  if (!row) {
    throw new BadInputError(`version: segment '${segment.slug}' has no version ${wanted} (its latest is ${segment.currentVersion})`, {
      problems: [{ path: 'version', message: 'no such version' }],
    });
  }
  // Validated again now: the catalogue or the segments it references may have changed since it was written.
  const result = await new SegmentService(db, workspaceId, () => now).validate(row.rule, segment.slug);
  if (!result.ok) {
    throw new BadInputError(`Version ${wanted} of '${segment.slug}' is no longer valid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const predicate = compileRuleSql(result.rule, { now: now.getTime(), segment: (slug) => definitions.bySlug.get(slug) });
  return { version: wanted, matches: sql`coalesce((${predicate}), false)` };
}

const isMember = sql`(${segmentMembers.profileId} is not null)`;

/** The diff of `version` against the current members, at `now`. */
export async function versionDiff(db: Database, workspaceId: string, segment: SegmentRow, versionNumber: number, now: Date): Promise<VersionDiff> {
  const { version, matches } = await compileVersion(db, workspaceId, segment, versionNumber, now);
  const [row] = await db.transaction(async (tx) => {
    await disableJit(tx);
    return tx
      .select({
        added: sql<number>`(count(*) filter (where ${matches} and not ${isMember}))::int`,
        removed: sql<number>`(count(*) filter (where ${isMember} and not ${matches}))::int`,
        kept: sql<number>`(count(*) filter (where ${isMember} and ${matches}))::int`,
      })
      .from(profiles)
      .leftJoin(segmentMembers, and(eq(segmentMembers.segmentId, segment.id), eq(segmentMembers.profileId, profiles.id)))
      .where(eq(profiles.workspaceId, workspaceId));
  });
  return {
    segmentId: segment.id,
    workspaceId,
    version,
    comparedWith: segment.status === 'published' ? segment.publishedVersion : null,
    at: now,
    added: row?.added ?? 0,
    removed: row?.removed ?? 0,
    kept: row?.kept ?? 0,
    matches,
  };
}

/** Profiles the version would add, oldest profile first. */
export async function addedProfiles(db: Database, diff: VersionDiff, page: PageRequest): Promise<Connection<ProfileRow>> {
  const rows = await db.transaction(async (tx) => {
    await disableJit(tx);
    return tx
      .select({ profile: profiles })
      .from(profiles)
      .leftJoin(segmentMembers, and(eq(segmentMembers.segmentId, diff.segmentId), eq(segmentMembers.profileId, profiles.id)))
      .where(and(eq(profiles.workspaceId, diff.workspaceId), diff.matches, sql`not ${isMember}`, afterPosition(profiles.createdAt, profiles.id, page.after, 'asc')))
      .orderBy(asc(profiles.createdAt), asc(profiles.id))
      .limit(page.first + 1);
  });
  return connectionFrom(rows, page, (r) => ({ at: r.profile.createdAt, id: r.profile.id }), (r) => r.profile);
}

/** Members the version would remove, longest-standing first (as Segment.members). */
export async function removedProfiles(db: Database, diff: VersionDiff, page: PageRequest): Promise<Connection<ProfileRow>> {
  const rows = await db.transaction(async (tx) => {
    await disableJit(tx);
    return tx
      .select({ profile: profiles, joinedAt: segmentMembers.joinedAt })
      .from(segmentMembers)
      .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
      .where(and(eq(segmentMembers.segmentId, diff.segmentId), sql`not ${diff.matches}`, afterPosition(segmentMembers.joinedAt, segmentMembers.profileId, page.after, 'asc')))
      .orderBy(asc(segmentMembers.joinedAt), asc(segmentMembers.profileId))
      .limit(page.first + 1);
  });
  return connectionFrom(rows, page, (r) => ({ at: r.joinedAt, id: r.profile.id }), (r) => r.profile);
}
