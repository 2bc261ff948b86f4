/**
 * A/B splits inside a segment: definitions (immutable once made, so assignments stay sticky),
 * members per variant counted in SQL with ae_split_hash (the SQL twin of schema/split.ts), and the
 * variant of one profile.
 */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError, NotFoundError } from '../errors.js';
import { asUuid } from '../graphql/ids.js';
import { profiles, segmentMembers, segmentSplits, type SegmentSplitRow } from '../../drizzle/index.js';
import { splitBucket, assignVariant, validateSplit, variantBounds, type SplitVariant } from '../../schema/split.js';
import { rebuildRuleset } from '../segments/ruleset.service.js';
import { segmentInWorkspace } from './segments.lookup.js';

export interface SplitCounts {
  id: string;
  segmentId: string;
  name: string;
  createdAt: Date;
  variants: Array<SplitVariant & { members: number }>;
}

const sameVariants = (a: readonly SplitVariant[], b: readonly SplitVariant[]) =>
  a.length === b.length && a.every((v, i) => v.name === b[i]?.name && v.weight === b[i]?.weight);

/**
 * Defines a split; the same definition again returns it, a different one under the same name is a
 * CONFLICT. A new split of a published segment rebuilds the edge ruleset at once (the edge assigns
 * variants from it).
 */
export async function defineSplit(db: Database, workspaceId: string, segmentId: string, name: string, variants: readonly SplitVariant[]): Promise<SegmentSplitRow> {
  const segment = await segmentInWorkspace(db, workspaceId, segmentId);
  const checked = validateSplit(name, variants);
  if (!checked.ok) throw new BadInputError(checked.errors.map((e) => `${e.path}: ${e.message}`).join('; '), { problems: checked.errors });
  if (segment.status === 'archived') throw new ConflictError(`Segment '${segment.slug}' is archived`);
  const [made] = await db.insert(segmentSplits).values({ workspaceId, segmentId: segment.id, name, variants: checked.value }).onConflictDoNothing().returning();
  if (made) {
    if (segment.status === 'published') await rebuildRuleset(db, workspaceId);
    return made;
  }
  const [existing] = await db.select().from(segmentSplits).where(and(eq(segmentSplits.segmentId, segment.id), eq(segmentSplits.name, name)));
  if (!existing) throw new ConflictError(`Split '${name}' was changed concurrently; try again`);
  if (!sameVariants(existing.variants, checked.value)) {
    throw new ConflictError(`Segment '${segment.slug}' already has a split '${name}' with other variants: changing a running test would move members between variants; define a new split`);
  }
  return existing;
}

/** What placing members in a split's variants needs of its definition. */
export type SplitDefinition = Pick<SegmentSplitRow, 'id' | 'segmentId' | 'name' | 'variants'>;

/**
 * A FROM clause of every current member (m) of each split's segment with its split (d.split_id)
 * and its variant index (v.idx, the order of the split's variants), hashed in SQL by ae_split_hash.
 */
export function splitMembersFrom(splits: readonly SplitDefinition[]): SQL {
  const defs = sql.join(
    splits.map((s) => sql`(${s.id}::uuid, ${s.segmentId}::uuid, ${s.name}::text, ${`{${variantBounds(s.variants).join(',')}}`}::bigint[])`),
    sql`, `,
  );
  return sql`(values ${defs}) as d(split_id, segment_id, name, bounds)
    join ${segmentMembers} m on m.segment_id = d.segment_id
    cross join lateral (select ae_split_hash(d.name || ':' || m.profile_id::text) as h) x
    cross join lateral (select least(count(*), cardinality(d.bounds) - 1)::int as idx from unnest(d.bounds) b where b <= x.h) v`;
}

/** The members of each variant of each split, in one statement over the memberships. */
export async function countSplits(db: Database, splits: readonly SegmentSplitRow[]): Promise<SplitCounts[]> {
  if (splits.length === 0) return [];
  const result = await db.execute(sql`select d.split_id, v.idx, count(*)::int as n from ${splitMembersFrom(splits)} group by d.split_id, v.idx`);
  const counts = new Map((result.rows as Array<{ split_id: string; idx: number; n: number }>).map((r) => [`${r.split_id}|${r.idx}`, Number(r.n)]));
  return splits.map((s) => ({
    id: s.id,
    segmentId: s.segmentId,
    name: s.name,
    createdAt: s.createdAt,
    variants: s.variants.map((v, i) => ({ name: v.name, weight: v.weight, members: counts.get(`${s.id}|${i}`) ?? 0 })),
  }));
}

/** The splits of several segments, oldest first. */
export async function splitsOfSegments(db: Database, segmentIds: readonly string[]): Promise<SegmentSplitRow[]> {
  return db.select().from(segmentSplits).where(inArray(segmentSplits.segmentId, [...segmentIds])).orderBy(asc(segmentSplits.createdAt), asc(segmentSplits.name));
}

/** The variant a profile of the workspace gets in a split, and whether it is a member now. */
export async function splitAssignment(db: Database, workspaceId: string, segmentId: string, name: string, profileId: string) {
  const segment = await segmentInWorkspace(db, workspaceId, segmentId);
  const [split] = await db.select().from(segmentSplits).where(and(eq(segmentSplits.segmentId, segment.id), eq(segmentSplits.name, name)));
  if (!split) throw new NotFoundError(`Segment '${segment.slug}' has no split '${name}'`);
  const id = asUuid(profileId, 'profile');
  const [profile] = await db
    .select({ id: profiles.id, member: sql<boolean>`exists (select 1 from ${segmentMembers} m where m.segment_id = ${segment.id} and m.profile_id = ${profiles.id})` })
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), eq(profiles.id, id)));
  if (!profile) throw new NotFoundError(`No profile ${profileId}`);
  return {
    segmentId: segment.id,
    split: split.name,
    profileId: profile.id,
    variant: assignVariant(split.name, profile.id, split.variants).name,
    bucket: splitBucket(split.name, profile.id),
    member: profile.member,
  };
}
