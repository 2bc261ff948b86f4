/**
 * The segments an analytics call names: checked for count, existence in the caller's workspace and
 * for having a membership to measure (a published segment or a static list, not archived).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { asUuid } from '../graphql/ids.js';
import { segments, type SegmentRow } from '../../drizzle/index.js';
import { MAX_OVERLAP_SEGMENTS } from './thresholds.js';

/** True when the segment's members are materialised in segment_members. */
export function hasMembership(segment: SegmentRow): boolean {
  return segment.status !== 'archived' && (segment.status === 'published' || segment.type === 'static');
}

/** The segments of `ids` (duplicates dropped, order kept) for an overlap of 2 to MAX_OVERLAP_SEGMENTS. */
export async function segmentsForOverlap(db: Database, workspaceId: string, ids: readonly string[]): Promise<SegmentRow[]> {
  const unique = [...new Set(ids.map((id) => id.trim().toLowerCase()))];
  if (unique.length < 2 || unique.length > MAX_OVERLAP_SEGMENTS) {
    throw new BadInputError(`segmentIds: give 2 to ${MAX_OVERLAP_SEGMENTS} distinct segments, not ${unique.length}`, {
      problems: [{ path: 'segmentIds', message: `2 to ${MAX_OVERLAP_SEGMENTS} distinct ids` }],
    });
  }
  const uuids = unique.map((id) => asUuid(id, 'segment'));
  const rows = await db.select().from(segments).where(and(eq(segments.workspaceId, workspaceId), inArray(segments.id, uuids)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = uuids.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new NotFoundError(`No segment ${missing.join(', ')}`);
  const ordered = uuids.map((id) => byId.get(id)!);
  const unmeasured = ordered.filter((s) => !hasMembership(s));
  if (unmeasured.length > 0) {
    throw new BadInputError(
      `Segments without members to compare: ${unmeasured.map((s) => `'${s.slug}' (${s.status})`).join(', ')}; publish a draft first (previewSegment shows its size)`,
      { problems: unmeasured.map((s) => ({ path: `segmentIds[${uuids.indexOf(s.id)}]`, message: `segment is ${s.status}` })) },
    );
  }
  return ordered;
}

/** One segment of the caller's workspace, NOT_FOUND otherwise. */
export async function segmentInWorkspace(db: Database, workspaceId: string, id: string): Promise<SegmentRow> {
  const [row] = await db.select().from(segments).where(and(eq(segments.workspaceId, workspaceId), eq(segments.id, asUuid(id, 'segment'))));
  if (!row) throw new NotFoundError(`No segment ${id}`);
  return row;
}
