/**
 * The way out of the archive: unarchive, delete, and who references a segment.
 *
 * The rules (README "Archive, unarchive, delete"):
 * - A slug belongs to its segment until the segment is deleted. Archiving keeps it, so that the
 *   rules that reference the slug keep meaning that segment (false while it is archived, CONTRACT)
 *   and unarchiving brings it back; deleting frees it.
 * - Unarchive: an archived segment becomes a draft (nothing of it is live: no members of a dynamic
 *   segment, not in the edge ruleset, not exportable) with its versions; publish it again to use it.
 *   A static list keeps its members through the archive.
 * - Delete: only an archived segment (archive first: nothing live loses it at once). Refused
 *   (CONFLICT, `extensions.referencedBy`) while the latest or published version of a segment that
 *   is not archived references it, because such a rule would then reference nothing; refused while
 *   an export of it is queued or running. Deleted with it: its versions, members, size history,
 *   splits, and its exports with their files (download URLs answer NOT_FOUND). Audiences already
 *   sent to ad platforms stay there: the answer names the destinations, to delete them there.
 */
import { and, eq, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError } from '../errors.js';
import { audienceExports, segments, segmentVersions, type SegmentRow } from '../../drizzle/index.js';
import { SegmentService } from './segments.service.js';

export interface DeletedSegment {
  id: string;
  slug: string;
  name: string;
  /** Exports deleted with it. */
  audienceExports: number;
  /** Destinations it was exported to (its audiences there are not deleted by this). */
  exportedTo: string[];
}

/**
 * Segments, not archived, whose latest or published version references one of `slugs`, by slug.
 * One statement for any number of slugs (the DataLoader of `Segment.referencedBy`).
 */
export async function referencingSegments(db: Database, workspaceId: string, slugs: readonly string[]): Promise<Map<string, SegmentRow[]>> {
  const out = new Map<string, SegmentRow[]>(slugs.map((slug) => [slug, []]));
  if (slugs.length === 0) return out;
  const rows = await db
    .selectDistinct({ target: sql<string>`t.slug`, segment: segments })
    .from(segments)
    .innerJoin(
      segmentVersions,
      and(eq(segmentVersions.segmentId, segments.id), or(eq(segmentVersions.version, segments.currentVersion), eq(segmentVersions.version, segments.publishedVersion))),
    )
    .innerJoin(sql`unnest(${segmentVersions.references}) as t(slug)`, sql`true`)
    .where(and(eq(segments.workspaceId, workspaceId), ne(segments.status, 'archived'), sql`t.slug = any(${sql.param([...slugs])}::text[])`))
    .orderBy(segments.slug);
  for (const row of rows) out.get(row.target)?.push(row.segment);
  return out;
}

export async function unarchiveSegment(db: Database, workspaceId: string, id: string, now: Date): Promise<SegmentRow> {
  const current = await new SegmentService(db, workspaceId).get(id);
  if (current.status !== 'archived') throw new ConflictError(`Segment '${current.slug}' is not archived (it is ${current.status})`);
  const [row] = await db
    .update(segments)
    .set({ status: 'draft', publishedVersion: null, updatedAt: now })
    .where(and(eq(segments.id, current.id), eq(segments.status, 'archived')))
    .returning();
  if (!row) throw new ConflictError(`Segment '${current.slug}' was changed by someone else: reload it`);
  return row;
}

export async function deleteSegment(db: Database, workspaceId: string, id: string): Promise<DeletedSegment> {
  const current = await new SegmentService(db, workspaceId).get(id);
  return db.transaction(async (tx) => {
    // Locked: an unarchive, publish or edit of it waits for this and then finds it gone; so does a
    // publish of a rule referencing it (which share-locks what it references, segments.service.ts),
    // or this waits for that publish and then sees its reference below.
    const [locked] = await tx.select().from(segments).where(eq(segments.id, current.id)).for('update');
    if (!locked) throw new ConflictError(`Segment '${current.slug}' was deleted by someone else`);
    if (locked.status !== 'archived') {
      throw new ConflictError(`Segment '${locked.slug}' is ${locked.status}: archive it first (archiveSegment), then delete it`);
    }
    const referencing = (await referencingSegments(tx, workspaceId, [locked.slug])).get(locked.slug) ?? [];
    if (referencing.length > 0) {
      const slugs = referencing.map((s) => s.slug);
      throw new ConflictError(
        `Segment '${locked.slug}' is referenced by ${slugs.map((s) => `'${s}'`).join(', ')}: remove the reference from their rules (or archive them) first`,
        { referencedBy: slugs },
      );
    }
    const exports = await tx
      .select({ id: audienceExports.id, status: audienceExports.status, destination: audienceExports.destination })
      .from(audienceExports)
      .where(eq(audienceExports.segmentId, locked.id))
      .for('update');
    const active = exports.filter((e) => e.status === 'queued' || e.status === 'running');
    if (active.length > 0) {
      throw new ConflictError(`Segment '${locked.slug}' has an export being built (${active.map((e) => e.id).join(', ')}): delete it once that is done`, {
        exportIds: active.map((e) => e.id),
      });
    }
    await tx.delete(segments).where(eq(segments.id, locked.id));
    return {
      id: locked.id,
      slug: locked.slug,
      name: locked.name,
      audienceExports: exports.length,
      exportedTo: [...new Set(exports.map((e) => e.destination))].sort(),
    };
  });
}
