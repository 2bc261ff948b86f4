/**
 * Read side of segments: pages of segments and members, size history, reachability. Only these
 * functions and the loaders read segment data for GraphQL fields.
 */
import { and, asc, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { profileVisitors, profiles, segmentMembers, segmentSizeHistory, segments, type ProfileRow, type SegmentRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';

export interface SegmentFilter {
  status?: SegmentRow['status'] | null;
  categoryId?: string | null;
}

/**
 * The Segment fields that are plain columns, in a fixed order (a bit each in statement names). A
 * listing that asks only for these (and __typename) reads only their columns (see listSegments).
 */
const PLAIN_FIELDS = ['id', 'slug', 'name', 'description', 'categoryId', 'type', 'status', 'currentVersion', 'publishedVersion', 'createdAt', 'updatedAt'] as const;
type PlainField = (typeof PLAIN_FIELDS)[number];
/** Always read: the keyset position of every row. */
const POSITION: readonly PlainField[] = ['id', 'createdAt'];

/** The plain fields to read for `fields`, or null for the whole row. */
function projectionOf(fields: ReadonlySet<string> | null | undefined): PlainField[] | null {
  if (!fields) return null;
  const wanted = new Set<string>(POSITION);
  for (const field of fields) {
    if (field === '__typename') continue;
    if (!(PLAIN_FIELDS as readonly string[]).includes(field)) return null;
    wanted.add(field);
  }
  return PLAIN_FIELDS.filter((f) => wanted.has(f));
}

interface ListShape {
  status: boolean;
  category: boolean;
  after: boolean;
  columns: PlainField[] | null;
}

function prepareList(db: Database, shape: ListShape, name: string) {
  const where = and(
    eq(segments.workspaceId, sql.placeholder('workspaceId')),
    shape.status ? eq(segments.status, sql.placeholder('status')) : undefined,
    shape.category ? eq(segments.categoryId, sql.placeholder('categoryId')) : undefined,
    shape.after ? sql`(${segments.createdAt}, ${segments.id}) > (${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')}::uuid)` : undefined,
  );
  const selection = shape.columns ? Object.fromEntries(shape.columns.map((c) => [c, segments[c]])) : getTableColumns(segments);
  return db
    .select(selection)
    .from(segments)
    .where(where)
    .orderBy(asc(segments.createdAt), asc(segments.id))
    .limit(sql.placeholder('limit'))
    .prepare(name);
}

/**
 * The listing runs as a prepared statement per database handle and shape (filters, cursor, columns):
 * a page of segments is the API's most frequent read, and building the drizzle query, having
 * PostgreSQL parse and plan it, and converting and parsing columns nobody asked for cost more than
 * running it. Keyed weakly by the handle's session (its connection or pool): a request's handle is
 * made per request over its pooled connection's session (api/db/request-connections.ts), and
 * transactions come and go.
 */
const listStatements = new WeakMap<object, Map<string, ReturnType<typeof prepareList>>>();

/**
 * A page of segments. With `fields` (the GraphQL fields selected on the nodes, see
 * selectedNodeFields), when they are all plain columns, the rows carry only those columns (plus id
 * and createdAt) and are good for exactly those fields; otherwise, and without `fields`, whole rows.
 */
export async function listSegments(
  db: Database,
  workspaceId: string,
  page: PageRequest,
  filter: SegmentFilter = {},
  fields?: ReadonlySet<string> | null,
): Promise<Connection<SegmentRow>> {
  const columns = projectionOf(fields);
  const shape: ListShape = { status: !!filter.status, category: !!filter.categoryId, after: page.after !== null, columns };
  const mask = columns ? columns.reduce((bits, c) => bits | (1 << PLAIN_FIELDS.indexOf(c)), 0).toString(16) : 'all';
  const name = `segments_list_${+shape.status}${+shape.category}${+shape.after}_${mask}`;
  const session = db._.session;
  let statements = listStatements.get(session);
  if (!statements) listStatements.set(session, (statements = new Map()));
  let statement = statements.get(name);
  if (!statement) statements.set(name, (statement = prepareList(db, shape, name)));
  const rows = (await statement.execute({
    workspaceId,
    status: filter.status ?? null,
    categoryId: filter.categoryId ?? null,
    afterAt: page.after?.at.toISOString() ?? null,
    afterId: page.after?.id ?? null,
    limit: page.first + 1,
  })) as SegmentRow[];
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}

/** Members, longest-standing first. */
export async function listMembers(db: Database, segmentId: string, page: PageRequest): Promise<Connection<ProfileRow>> {
  const rows = await db
    .select({ profile: profiles, joinedAt: segmentMembers.joinedAt })
    .from(segmentMembers)
    .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
    .where(and(eq(segmentMembers.segmentId, segmentId), afterPosition(segmentMembers.joinedAt, segmentMembers.profileId, page.after, 'asc')))
    .orderBy(asc(segmentMembers.joinedAt), asc(segmentMembers.profileId))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.joinedAt, id: r.profile.id }), (r) => r.profile);
}

/** The last `limit` recorded sizes, oldest first. */
export async function sizeHistory(db: Database, segmentId: string, limit: number): Promise<Array<{ at: Date; size: number }>> {
  const rows = await db
    .select({ at: segmentSizeHistory.at, size: segmentSizeHistory.size })
    .from(segmentSizeHistory)
    .where(eq(segmentSizeHistory.segmentId, segmentId))
    .orderBy(desc(segmentSizeHistory.at), desc(segmentSizeHistory.seq))
    .limit(limit);
  return rows.reverse();
}

export interface ReachabilityCounts {
  total: number;
  email: number;
  phone: number;
  visitor: number;
  ads: number;
  reachableShare: number;
}

/** When a profile row is reachable on each channel (shared by reachability and segment health). */
const REACH_CHANNELS = {
  visitor: sql`exists (select 1 from ${profileVisitors} v where v.profile_id = ${profiles.id})`,
  email: sql`(${profiles.email} is not null and ${profiles.email} <> '' and ${profiles.consentEmail})`,
  phone: sql`(${profiles.phone} is not null and ${profiles.phone} <> '' and ${profiles.consentSms})`,
};

/** Member counts per channel, as select columns over segment_members joined with profiles. */
export const REACH_COUNTS = {
  total: sql<number>`count(*)::int`,
  email: sql<number>`(count(*) filter (where ${REACH_CHANNELS.email}))::int`,
  phone: sql<number>`(count(*) filter (where ${REACH_CHANNELS.phone}))::int`,
  visitor: sql<number>`(count(*) filter (where ${REACH_CHANNELS.visitor}))::int`,
  ads: sql<number>`(count(*) filter (where ${profiles.consentAds}))::int`,
  any: sql<number>`(count(*) filter (where ${REACH_CHANNELS.email} or ${REACH_CHANNELS.phone} or ${REACH_CHANNELS.visitor}))::int`,
};

/** How many members each channel reaches, in one pass over the membership. */
export async function reachability(db: Database, segmentId: string): Promise<ReachabilityCounts> {
  const [row] = await db
    .select(REACH_COUNTS)
    .from(segmentMembers)
    .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
    .where(eq(segmentMembers.segmentId, segmentId));
  const r = row ?? { total: 0, email: 0, phone: 0, visitor: 0, ads: 0, any: 0 };
  return { total: r.total, email: r.email, phone: r.phone, visitor: r.visitor, ads: r.ads, reachableShare: r.total === 0 ? 0 : r.any / r.total };
}
