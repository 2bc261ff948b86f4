/**
 * `POST /v1/segments/:id/members?action=add|remove`: a static list from a CSV file (`text/csv`), the
 * way marketers keep lists. The header row names the key column, `externalId` or `email` (any case;
 * other columns are ignored); each record names one profile. Up to LIST_FILE_LIMITS.lines records:
 * applied in chunks of MAX_LIST_KEYS keys, each in its own transaction. The answer reports every
 * record that changed nothing by its line number (the first MAX_LISTED_MISSES; all are counted):
 * 200 when every record matched, 207 when some did not. Roles: those that edit segments.
 */
import { Hono } from 'hono';
import { requireRole, ROLES } from '../context.js';
import { BadInputError } from '../errors.js';
import { CsvReader } from '../imports/csv.js';
import type { ApiEnv } from '../http/env.js';
import { changeListByKeys, MAX_LISTED_MISSES, MAX_LIST_KEYS, type ListKeyKind, type ListMiss } from './static-lists.js';

export const LIST_FILE_LIMITS = { bytes: 32 * 1024 * 1024, lines: 1_000_000 } as const;

export const staticListRoutes = new Hono<ApiEnv>();

interface Keyed {
  kind: ListKeyKind;
  column: number;
}

function keyColumn(header: readonly string[]): Keyed {
  const names = header.map((h) => h.replace(/^\uFEFF/, '').trim().toLowerCase());
  const externalId = names.indexOf('externalid');
  const email = names.indexOf('email');
  if (externalId >= 0 && email >= 0) throw new BadInputError('line 1: the header has both externalId and email columns: keep the one the list is keyed by', { field: 'header' });
  if (externalId >= 0) return { kind: 'externalId', column: externalId };
  if (email >= 0) return { kind: 'email', column: email };
  throw new BadInputError(`line 1: the header must name an externalId or an email column, not ${JSON.stringify(header.slice(0, 10).map((h) => h.slice(0, 40)))}`, { field: 'header' });
}

staticListRoutes.post('/segments/:id/members', async (c) => {
  const caller = requireRole({ db: c.get('db'), jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map() }, ROLES.writeSegments);
  const action = c.req.query('action') ?? 'add';
  if (action !== 'add' && action !== 'remove') throw new BadInputError(`action must be 'add' or 'remove', not '${action.slice(0, 40)}'`, { field: 'action' });
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/csv') throw new BadInputError(`Content-Type must be text/csv (a header row naming an externalId or email column, then one record per line), not '${type.slice(0, 80)}'`, { field: 'content-type' });
  const text = await c.req.text();
  const csv = new CsvReader();
  const state: { keyed: Keyed | null } = { keyed: null };
  const keys: string[] = [];
  const lines: number[] = [];
  const misses: ListMiss[] = [];
  const physical = text.split('\n');
  if (physical.length > LIST_FILE_LIMITS.lines + 1) throw new BadInputError(`At most ${LIST_FILE_LIMITS.lines} records a file: split it`, { field: 'body' });
  physical.forEach((raw, i) => {
    const record = csv.push(i + 1, raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (record === null) return;
    if ('problem' in record) {
      misses.push({ kind: state.keyed?.kind ?? 'externalId', index: record.line, value: '', reason: 'INVALID' });
      return;
    }
    if (!state.keyed) {
      state.keyed = keyColumn(record.fields);
      return;
    }
    if (record.fields.length === 1 && record.fields[0] === '') return; // a blank line
    keys.push(record.fields[state.keyed.column] ?? '');
    lines.push(record.line);
  });
  const open = csv.end();
  if (open) misses.push({ kind: state.keyed?.kind ?? 'externalId', index: open.line, value: '', reason: 'INVALID' });
  if (!state.keyed) throw new BadInputError('The file is empty: it needs a header row naming an externalId or email column', { field: 'body' });
  const kind = state.keyed.kind;
  // Chunks of MAX_LIST_KEYS keys, at least one (an empty file still names an existing list).
  const db = c.get('db');
  const chunks = Math.max(1, Math.ceil(keys.length / MAX_LIST_KEYS));
  let matched = 0;
  let changed = 0;
  // Counted from each chunk's totals (a chunk lists only its first MAX_LISTED_MISSES misses).
  let notFound = 0;
  let invalid = misses.length; // unreadable records so far
  let segment: Awaited<ReturnType<typeof changeListByKeys>>['segment'] | undefined;
  for (let i = 0; i < chunks; i += 1) {
    const start = i * MAX_LIST_KEYS;
    const chunk = keys.slice(start, start + MAX_LIST_KEYS);
    const result = await changeListByKeys(db, caller.workspaceId, c.req.param('id'), kind === 'email' ? { emails: chunk } : { externalIds: chunk }, action, c.get('now'));
    segment = result.segment;
    matched += result.matched;
    changed += result.changed;
    notFound += result.notFound;
    invalid += result.invalid;
    // The misses of a chunk are named by their position in it: back to line numbers.
    for (const miss of result.misses) misses.push({ ...miss, index: lines[start + miss.index]! });
  }
  misses.sort((a, b) => a.index - b.index);
  const body = {
    segmentId: segment!.id,
    slug: segment!.slug,
    action,
    key: kind,
    records: keys.length,
    matched,
    changed,
    notFound,
    invalid,
    misses: misses.slice(0, MAX_LISTED_MISSES).map((m) => ({ line: m.index, value: m.value, reason: m.reason })),
  };
  return c.json(body, notFound + invalid > 0 ? 207 : 200);
});
