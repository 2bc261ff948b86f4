/**
 * Bulk import over HTTP (api/imports): `POST /v1/imports/profiles` and `POST /v1/imports/events`
 * with an NDJSON (`application/x-ndjson`) or CSV (`text/csv`) body, read as it streams; the answer
 * comes when the body is consumed: the summary and the line errors (200, or 207 when some lines
 * were rejected). `?id=<uuid>` names the import so the sender can follow it while it runs with
 * `GET /v1/imports/:id`. The roles that may upsert profiles and track events may import (admin,
 * editor, ingest): an import is the same write, in bulk. The body size limit of the other routes
 * does not apply here (app.ts); an import has its own bounds (IMPORT_LIMITS).
 */
import { Hono } from 'hono';
import { requireRole, ROLES } from '../context.js';
import { BadInputError, NotFoundError } from '../errors.js';
import type { ImportRow } from '../../drizzle/index.js';
import { getImport, runImport, type ImportFormat, type ImportType } from '../imports/imports.service.js';
import type { ApiEnv } from './env.js';

export const importRoutes = new Hono<ApiEnv>();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl' || type === 'application/jsonlines') return 'ndjson';
  if (type === 'text/csv') return 'csv';
  throw new BadInputError(`Content-Type must be application/x-ndjson (one JSON object per line) or text/csv (a header row, then one record per line), not '${type.slice(0, 80)}'`, { field: 'content-type' });
}

/** The import as the API shows it. */
export function importView(row: ImportRow) {
  return {
    id: row.id,
    type: row.type,
    format: row.format,
    status: row.status,
    linesRead: row.linesRead,
    accepted: row.accepted,
    rejected: row.rejected,
    created: row.created,
    duplicates: row.duplicates,
    errors: row.errors,
    failure: row.failure,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

function callerOf(c: { get<K extends keyof ApiEnv['Variables']>(key: K): ApiEnv['Variables'][K] }) {
  return requireRole({ db: c.get('db'), jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.writeProfiles);
}

importRoutes.post('/imports/:type', async (c) => {
  const caller = callerOf(c);
  const type = c.req.param('type');
  if (type !== 'profiles' && type !== 'events') throw new NotFoundError(`No import of '${type.slice(0, 40)}': import profiles or events`);
  const format = formatOf(c.req.header('content-type'));
  const id = c.req.query('id');
  if (id !== undefined && !UUID.test(id)) throw new BadInputError('id must be a UUID that the client chose for this import', { field: 'id' });
  const body = c.req.raw.body ?? (async function* () {})();
  const row = await runImport(c.get('db'), {
    workspaceId: caller.workspaceId,
    type: type as ImportType,
    format,
    body: body as AsyncIterable<Uint8Array>,
    now: () => c.get('now'),
    id: id?.toLowerCase(),
  });
  return c.json(importView(row), row.rejected > 0 ? 207 : 200);
});

importRoutes.get('/imports/:id', async (c) => {
  const caller = callerOf(c);
  const id = c.req.param('id');
  const row = UUID.test(id) ? await getImport(c.get('db'), caller.workspaceId, id.toLowerCase()) : undefined;
  if (!row) throw new NotFoundError(`No import with id ${id.slice(0, 80)}`);
  c.header('cache-control', 'no-store');
  return c.json(importView(row));
});
