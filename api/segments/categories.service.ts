/**
 * Categories group segments (DOMAIN.md: "Prospects", "Good customers" ...). Renaming keeps the
 * segments in it; deleting leaves them uncategorised (nothing else refers to a category: not the
 * edge ruleset, not exports, not rules).
 */
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError, NotFoundError } from '../errors.js';
import { categories, segments, type CategoryRow } from '../../drizzle/index.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { asUuid } from '../graphql/ids.js';

const MAX_NAME = 100;

const MAX_DESCRIPTION = 2000;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
    throw new BadInputError(`name: a category name has 1 to ${MAX_NAME} characters`, { problems: [{ path: 'name', message: 'length' }] });
  }
  return trimmed;
}

function checkDescription(description: string | null | undefined): void {
  if (description != null && description.length > MAX_DESCRIPTION) {
    throw new BadInputError(`description: at most ${MAX_DESCRIPTION} characters`, { problems: [{ path: 'description', message: 'length' }] });
  }
}

export async function createCategory(db: Database, workspaceId: string, name: string, description: string | null): Promise<CategoryRow> {
  const trimmed = checkName(name);
  checkDescription(description);
  const [row] = await db.insert(categories).values({ workspaceId, name: trimmed, description }).onConflictDoNothing().returning();
  if (!row) throw new ConflictError(`A category named '${trimmed}' already exists`);
  return row;
}

/** The category of that name, created when missing. */
export async function ensureCategory(db: Database, workspaceId: string, name: string, description: string | null, createdAt?: Date): Promise<CategoryRow> {
  await db.insert(categories).values({ workspaceId, name, description, ...(createdAt ? { createdAt } : {}) }).onConflictDoNothing();
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

/** Renames a category and/or changes its description (undefined: kept; null: cleared). Names stay unique. */
export async function updateCategory(
  db: Database,
  workspaceId: string,
  id: string,
  changes: { name?: string | null; description?: string | null },
): Promise<CategoryRow> {
  const current = await getCategory(db, workspaceId, id);
  const name = changes.name == null ? current.name : checkName(changes.name);
  checkDescription(changes.description);
  const [taken] = name === current.name ? [] : await db.select({ id: categories.id }).from(categories).where(and(eq(categories.workspaceId, workspaceId), eq(categories.name, name)));
  if (taken) throw new ConflictError(`A category named '${name}' already exists`);
  try {
    const [row] = await db
      .update(categories)
      .set({ name, description: changes.description === undefined ? current.description : changes.description })
      .where(and(eq(categories.workspaceId, workspaceId), eq(categories.id, current.id)))
      .returning();
    if (!row) throw new NotFoundError(`No category with id ${id}`);
    return row;
  } catch (error) {
    // A concurrent rename to the same name: the unique constraint decides.
    if ((error as { code?: string }).code === '23505' || (error as { cause?: { code?: string } }).cause?.code === '23505') {
      throw new ConflictError(`A category named '${name}' already exists`);
    }
    throw error;
  }
}

/** Deletes a category; its segments stay, uncategorised. Returns it with how many segments it had. */
export async function deleteCategory(db: Database, workspaceId: string, id: string): Promise<{ category: CategoryRow; uncategorisedSegments: number }> {
  const current = await getCategory(db, workspaceId, id);
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ n: count() }).from(segments).where(and(eq(segments.workspaceId, workspaceId), eq(segments.categoryId, current.id)));
    const [deleted] = await tx.delete(categories).where(and(eq(categories.workspaceId, workspaceId), eq(categories.id, current.id))).returning();
    if (!deleted) throw new NotFoundError(`No category with id ${id}`);
    return { category: deleted, uncategorisedSegments: Number(row?.n ?? 0) };
  });
}
