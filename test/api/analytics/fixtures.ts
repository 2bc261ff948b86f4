/**
 * Seeding for the analytics tests through the services: numbered profiles and static lists with
 * chosen members (published, so their size history starts), and size points at chosen instants.
 */
import type { Database } from '../../../api/db/index.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import type { ProfileData } from '../../../api/profiles/profile-input.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { segmentSizeHistory } from '../../../drizzle/index.js';

/** Creates profiles `${prefix}0` .. `${prefix}${n - 1}`; returns their ids in that order. */
export async function seedProfiles(db: Database, workspaceId: string, prefix: string, n: number, extra: (i: number) => Partial<ProfileData> = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 1000) {
    const inputs = Array.from({ length: Math.min(1000, n - start) }, (_, k) => ({ externalId: `${prefix}${start + k}`, ...extra(start + k) }));
    const { profiles } = await upsertProfiles(db, workspaceId, inputs);
    ids.push(...profiles.map((p) => p.id));
  }
  return ids;
}

/** A published static list of exactly these profiles; returns its id. */
export async function staticList(db: Database, workspaceId: string, slug: string, members: readonly string[], now = new Date()): Promise<string> {
  const service = new SegmentService(db, workspaceId, () => now);
  const { id } = await service.create({ slug, name: `List ${slug}`, type: 'static' });
  for (let start = 0; start < members.length; start += 1000) await service.addToStatic(id, members.slice(start, start + 1000));
  await service.publish(id);
  return id;
}

/** Replaces a segment's size history with these points. */
export async function setSizeHistory(db: Database, workspaceId: string, segmentId: string, points: ReadonlyArray<{ at: Date; size: number }>): Promise<void> {
  const { eq } = await import('drizzle-orm');
  await db.delete(segmentSizeHistory).where(eq(segmentSizeHistory.segmentId, segmentId));
  if (points.length > 0) await db.insert(segmentSizeHistory).values(points.map((p) => ({ segmentId, workspaceId, at: p.at, size: p.size })));
}
