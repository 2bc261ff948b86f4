/** Declared traits: a workspace names the traits its profiles carry, each with one type. */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError } from '../errors.js';
import { traitDefinitions, type TraitDefinitionRow } from '../../drizzle/index.js';
import { TRAIT_NAME_PATTERN } from '../../schema/attributes.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';

export type TraitType = TraitDefinitionRow['type'];

/**
 * Declares a trait, or updates the description of an existing one. Redeclaring it with another
 * type is a CONFLICT: stored values and segment rules rely on the type.
 */
export async function defineTrait(db: Database, workspaceId: string, name: string, type: TraitType, description: string | null, now = new Date()): Promise<TraitDefinitionRow> {
  if (!TRAIT_NAME_PATTERN.test(name)) {
    throw new BadInputError(`name: '${name.slice(0, 80)}' is not a valid trait name: start with a letter, then letters, digits or _ (at most 64)`, {
      problems: [{ path: 'name', message: 'invalid trait name' }],
    });
  }
  if (description !== null && description.length > 1000) {
    throw new BadInputError('description: at most 1,000 characters', { problems: [{ path: 'description', message: 'too long' }] });
  }
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(traitDefinitions)
      .where(and(eq(traitDefinitions.workspaceId, workspaceId), eq(traitDefinitions.name, name)))
      .for('update');
    if (existing) {
      if (existing.type !== type) {
        throw new ConflictError(`The trait '${name}' is already declared as ${existing.type}; it cannot become ${type}`);
      }
      if (description === null || description === existing.description) return existing;
      const [updated] = await tx.update(traitDefinitions).set({ description }).where(eq(traitDefinitions.id, existing.id)).returning();
      return updated!;
    }
    const [created] = await tx
      .insert(traitDefinitions)
      .values({ workspaceId, name, type, description, createdAt: now })
      .onConflictDoNothing()
      .returning();
    if (!created) throw new ConflictError(`The trait '${name}' was declared at the same time by another request; try again`);
    return created;
  });
}

export async function listTraits(db: Database, workspaceId: string, page: PageRequest): Promise<Connection<TraitDefinitionRow>> {
  const rows = await db
    .select()
    .from(traitDefinitions)
    .where(and(eq(traitDefinitions.workspaceId, workspaceId), afterPosition(traitDefinitions.createdAt, traitDefinitions.id, page.after, 'asc')))
    .orderBy(asc(traitDefinitions.createdAt), asc(traitDefinitions.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}

/** Every declared trait of a workspace by name (for validating profile traits). */
export async function traitTypes(db: Database, workspaceId: string): Promise<Map<string, TraitType>> {
  const rows = await db
    .select({ name: traitDefinitions.name, type: traitDefinitions.type })
    .from(traitDefinitions)
    .where(eq(traitDefinitions.workspaceId, workspaceId));
  return new Map(rows.map((r) => [r.name, r.type]));
}
