/** Categories group segments (DOMAIN.md: "Lifecycle", "Prospects" ...). */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError, NotFoundError } from '../errors.js';
import { categories, type CategoryRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { asUuid } from '../graphql/ids.js';

const MAX_NAME = 100;

export async function createCategory(db: Database, workspaceId: string, name: string, description: string | null): Promise<CategoryRow> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
    throw new BadInputError(`name: a category name has 1 to ${MAX_NAME} characters`, { problems: [{ path: 'name', message: 'length' }] });
  }
  const [row] = await db.insert(categories).values({ workspaceId, name: trimmed, description }).onConflictDoNothing().returning();
  if (!row) throw new ConflictError(`A category named '${trimmed}' already exists`);
  return row;
}

/** The category of that name, created when missing. */
export async function ensureCategory(db: Database, workspaceId: string, name: string, description: string | null): Promise<CategoryRow> {
  await db.insert(categories).values({ workspaceId, name, description }).onConflictDoNothing();
  const [row] = await db.select().from(categories).where(and(eq(categories.workspaceId, workspaceId), eq(categories.name, name)));
  return row!;
}

export async function getCategory(db: Database, workspaceId: string, id: string): Promise<CategoryRow> {
  const [row] = await db.select().from(categories).where(and(eq(categories.workspaceId, workspaceId), eq(categories.id, asUuid(id, 'category'))));
  if (!row) throw new NotFoundError(`No category with id ${id}`);
  return row;
}

export async function listCategories(db: Database, workspaceId: string, page: PageRequest): Promise<Connection<CategoryRow>> {
  const rows = await db
    .select()
    .from(categories)
    .where(and(eq(categories.workspaceId, workspaceId), afterPosition(categories.createdAt, categories.id, page.after, 'asc')))
    .orderBy(asc(categories.createdAt), asc(categories.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}
