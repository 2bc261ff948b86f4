/**
 * Workspace administration for the instance admin token: list, create (with its first admin key),
 * rename, delete.
 *
 * Deleting a workspace erases everything in it in one transaction, as `deleteProfile` erases one
 * person, for every person at once: profiles, events, memberships, visitor ids, export identifiers,
 * exports and every line of their files, erasure removals, tombstones, segments, versions,
 * categories, traits, splits, imports, rulesets and API keys (foreign keys and the membership and
 * export-row triggers; dirty marks, which have no foreign key, explicitly). Nothing of the
 * workspace stays, not even a tombstone: with its keys gone nothing can write to it again, so
 * there is nothing left to stop from re-creating a person. What left the system before
 * (audiences already uploaded to ad platforms, downloaded files) is out of its reach (README).
 * While one of its exports is being built the deletion is refused (CONFLICT): a build writes its
 * rows in transactions of its own, which must not outlive the export they belong to.
 */
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { asUuid } from '../graphql/ids.js';
import { afterPosition, connectionFrom, type Connection, type PageRequest } from '../graphql/connection.js';
import { apiKeys, audienceExports, dirtyProfiles, events, profiles, segments, workspaces, type WorkspaceRow } from '../../drizzle/index.js';
import { checkName, forgetWorkspaceKeys } from '../auth/auth.service.js';

/** What a deletion erased, counted in its transaction just before. */
export interface DeletedWorkspace {
  id: string;
  name: string;
  profiles: number;
  events: number;
  segments: number;
  audienceExports: number;
  apiKeys: number;
}

/** Every workspace of this instance, oldest first. */
export async function listWorkspaces(db: Database, page: PageRequest): Promise<Connection<WorkspaceRow>> {
  const rows = await db
    .select()
    .from(workspaces)
    .where(afterPosition(workspaces.createdAt, workspaces.id, page.after, 'asc'))
    .orderBy(asc(workspaces.createdAt), asc(workspaces.id))
    .limit(page.first + 1);
  return connectionFrom(rows, page, (r) => ({ at: r.createdAt, id: r.id }));
}

export async function renameWorkspace(db: Database, id: string, name: string): Promise<WorkspaceRow> {
  const [row] = await db.update(workspaces).set({ name: checkName(name, 'name') }).where(eq(workspaces.id, asUuid(id, 'workspace'))).returning();
  if (!row) throw new NotFoundError(`No workspace with id ${id}`);
  return row;
}

async function countOf(tx: Database, table: typeof profiles | typeof events | typeof segments | typeof audienceExports | typeof apiKeys, workspaceId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(table).where(eq(table.workspaceId, workspaceId));
  return Number(row?.n ?? 0);
}

export async function deleteWorkspace(db: Database, id: string): Promise<DeletedWorkspace> {
  const workspaceId = asUuid(id, 'workspace');
  forgetWorkspaceKeys(workspaceId);
  const deleted = await db.transaction(async (tx) => {
    // The row lock waits for writes in flight into the workspace (their foreign key checks hold a
    // share lock on it) and makes later ones wait, then fail: the workspace is gone.
    const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, workspaceId)).for('update');
    if (!workspace) throw new NotFoundError(`No workspace with id ${id}`);
    // Exports in progress, locked: a queued one cannot be claimed by a build until this commits
    // (the build then finds nothing and stops); a running one refuses the deletion.
    const active = await tx
      .select({ id: audienceExports.id, status: audienceExports.status })
      .from(audienceExports)
      .where(and(eq(audienceExports.workspaceId, workspaceId), inArray(audienceExports.status, ['queued', 'running'])))
      .for('update');
    const running = active.filter((e) => e.status === 'running').map((e) => e.id);
    if (running.length > 0) {
      throw new ConflictError(
        `Workspace '${workspace.name}' has ${running.length} export(s) being built (${running.slice(0, 5).join(', ')}): delete it again once they are done (a dead build is failed within 30 s)`,
        { exportIds: running },
      );
    }
    const result: DeletedWorkspace = {
      id: workspace.id,
      name: workspace.name,
      profiles: await countOf(tx, profiles, workspaceId),
      events: await countOf(tx, events, workspaceId),
      segments: await countOf(tx, segments, workspaceId),
      audienceExports: await countOf(tx, audienceExports, workspaceId),
      apiKeys: await countOf(tx, apiKeys, workspaceId),
    };
    await tx.delete(dirtyProfiles).where(eq(dirtyProfiles.workspaceId, workspaceId));
    await tx.delete(workspaces).where(eq(workspaces.id, workspaceId));
    return result;
  });
  forgetWorkspaceKeys(workspaceId);
  return deleted;
}

