/**
 * GET /v1/exports/:id: the file of a done export, streamed (admin and editor of the export's workspace:
 * the file carries hashed identifiers). Read from the read replica when there is one and it is fresh
 * enough: an export the replica does not show as done yet (its build finished on the primary a moment
 * ago), or a replica that cannot be reached, is read from the primary instead. The replica replays in
 * commit order, so an export it shows as done has all its rows there (they committed before 'done').
 */
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { requireRole, ROLES } from '../context.js';
import { segments } from '../../drizzle/index.js';
import { openExportFile, type ExportFile } from '../exports/download.js';
import type { Database } from '../db/index.js';
import { readerOf, readRouterOf } from '../db/request-connections.js';
import { isConnectionLoss } from '../db/failures.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { checkInput } from '../input-policy.js';
import type { ApiEnv } from './env.js';

export const exportRoutes = new Hono<ApiEnv>();

exportRoutes.get('/exports/:id', async (c) => {
  const db = c.get('db');
  const caller = requireRole({ db, jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.personalData);
  checkInput(c.req.param('id'), 'id');
  const open = (from: Database) =>
    openExportFile(from, caller.workspaceId, c.req.param('id'), async (segmentId) => {
      const [row] = await from.select({ slug: segments.slug }).from(segments).where(and(eq(segments.id, segmentId), eq(segments.workspaceId, caller.workspaceId)));
      return row?.slug ?? 'segment';
    });
  const reader = readerOf(db, caller.workspaceId);
  let file: ExportFile;
  try {
    file = await open(reader.db);
  } catch (error) {
    if (reader.target === 'primary') throw error;
    if (isConnectionLoss(error)) readRouterOf(db)?.markDown(error);
    else if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    readRouterOf(db)?.served('primary');
    file = await open(db);
  }
  return c.body(file.body, 200, {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.filename}"`,
    'cache-control': 'private, no-store',
    'x-row-count': String(file.rowCount),
  });
});
