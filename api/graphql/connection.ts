/**
 * Relay connections: a generic connection type factory, page arguments with a size cap, opaque
 * base64url cursors and keyset pagination on (timestamp, id).
 */
import { sql, type SQL, type AnyColumn } from 'drizzle-orm';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { BadInputError } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more nodes follow: ask again with after: endCursor.' })
  hasNextPage!: boolean;
  @Field(() => Boolean, { description: 'True when this page was asked for with `after` (pages only go forward).' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; null when the page is empty.' })
  startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'The cursor of the last edge, to pass as `after` for the next page; null when the page is empty.' })
  endCursor!: string | null;
}

/** The TypeScript shape of every connection. */
export interface Connection<T> {
  edges: Array<{ node: T; cursor: string }>;
  pageInfo: PageInfo;
}

const connectionTypes = new Map<string, ClassType>();

/**
 * The `<Name>Connection` / `<Name>Edge` object types for a node type (made once per name).
 * @example @Query(() => ConnectionOf('Profile', ProfileType)) profiles(...) {}
 */
export function ConnectionOf<T extends object>(name: string, node: ClassType<T>): ClassType<Connection<T>> {
  const existing = connectionTypes.get(name);
  if (existing) return existing as ClassType<Connection<T>>;

  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class Edge {
    @Field(() => node, { description: `The ${name}.` })
    node!: T;
    @Field(() => String, { description: 'Opaque cursor: pass it as `after` to continue after this edge.' })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} nodes.` })
  class ConnectionType {
    @Field(() => [Edge], { description: `The ${name} nodes of this page with their cursors, at most \`first\`.` })
    edges!: Edge[];
    @Field(() => PageInfo, { description: 'Whether there is a next page and the cursor to get it.' })
    pageInfo!: PageInfo;
  }
  connectionTypes.set(name, ConnectionType);
  return ConnectionType as ClassType<Connection<T>>;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  first?: number | null;
  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}

/** A validated page request: how many, and the keyset position to continue after. */
export interface PageRequest {
  first: number;
  after: KeysetPosition | null;
}

export interface KeysetPosition {
  at: Date;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify(['k1', position.at.getTime(), position.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string, path = 'after'): KeysetPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === 'k1' && Number.isFinite(parsed[1]) && typeof parsed[2] === 'string' && UUID.test(parsed[2])) {
      return { at: new Date(parsed[1] as number), id: parsed[2] };
    }
  } catch {
    // fall through
  }
  throw new BadInputError(`${path}: this is not a cursor returned by this API`, { problems: [{ path, message: 'invalid cursor' }] });
}

/** Checks `first` (1..100, default 20) and decodes `after`. */
export function pageRequest(args: { first?: number | null; after?: string | null }): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`first: must be between 1 and ${MAX_PAGE_SIZE}, not ${first}`, { problems: [{ path: 'first', message: 'out of range' }] });
  }
  return { first, after: args.after ? decodeCursor(args.after) : null };
}

/**
 * The keyset condition "after this position" for rows ordered by (at, id) in `direction`.
 * Fetch `first + 1` rows with it and hand them to `connectionFrom`.
 */
export function afterPosition(atColumn: AnyColumn | SQL, idColumn: AnyColumn | SQL, after: KeysetPosition | null, direction: 'asc' | 'desc'): SQL | undefined {
  if (!after) return undefined;
  const at = sql`${after.at.toISOString()}::timestamptz`;
  const id = sql`${after.id}::uuid`;
  return direction === 'asc' ? sql`(${atColumn}, ${idColumn}) > (${at}, ${id})` : sql`(${atColumn}, ${idColumn}) < (${at}, ${id})`;
}

/** An edge whose cursor is encoded when read: most queries ask for the nodes, not every cursor. */
class LazyEdge<R, T> {
  constructor(
    readonly node: T,
    private readonly row: R,
    private readonly cursorOf: (row: R) => KeysetPosition,
  ) {}

  get cursor(): string {
    return encodeCursor(this.cursorOf(this.row));
  }
}

/** Page information whose start and end cursors are encoded when read. */
class LazyPageInfo<R, T> implements PageInfo {
  constructor(
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    private readonly edges: ReadonlyArray<LazyEdge<R, T>>,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

/**
 * A connection from rows fetched with `limit first + 1` (the extra row only tells that there is a
 * next page); `cursorOf` gives each row's position.
 */
export function connectionFrom<R, T = R>(
  rows: readonly R[],
  page: { first: number; after?: unknown },
  cursorOf: (row: R) => KeysetPosition,
  toNode: (row: R) => T = (row) => row as unknown as T,
): Connection<T> {
  const count = Math.min(rows.length, page.first);
  const edges = new Array<LazyEdge<R, T>>(count);
  for (let i = 0; i < count; i++) {
    const row = rows[i] as R;
    edges[i] = new LazyEdge(toNode(row), row, cursorOf);
  }
  return { edges, pageInfo: new LazyPageInfo(rows.length > page.first, page.after !== null && page.after !== undefined, edges) };
}
