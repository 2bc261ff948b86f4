/** GET /v1/exports/:id: the file of a done export, streamed (admin and editor of the export's workspace: the file carries hashed identifiers). */
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { requireRole, ROLES } from '../context.js';
import { segments } from '../../drizzle/index.js';
import { openExportFile } from '../exports/download.js';
import { checkInput } from '../input-policy.js';
import type { ApiEnv } from './env.js';

export const exportRoutes = new Hono<ApiEnv>();

exportRoutes.get('/exports/:id', async (c) => {
  const db = c.get('db');
  const caller = requireRole({ db, jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.personalData);
  checkInput(c.req.param('id'), 'id');
  const file = await openExportFile(db, caller.workspaceId, c.req.param('id'), async (segmentId) => {
    const [row] = await db.select({ slug: segments.slug }).from(segments).where(and(eq(segments.id, segmentId), eq(segments.workspaceId, caller.workspaceId)));
    return row?.slug ?? 'segment';
  });
  return c.body(file.body, 200, {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.filename}"`,
    'cache-control': 'private, no-store',
    'x-row-count': String(file.rowCount),
  });
});
