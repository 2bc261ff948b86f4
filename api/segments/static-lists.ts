/**
 * Static lists (static segments) filled the way marketers hold their lists: by externalId or e-mail
 * (up to MAX_LIST_KEYS a call, set-based: one statement resolves every key), from a CSV file
 * (api/segments/static-lists.routes.ts), or as a snapshot of a dynamic segment's members
 * (saveAsStaticSegment). Keys that match no profile, or are not valid, are reported with their
 * position; the others are applied. E-mails match after the normalisation the exports use (trimmed,
 * lower case): one e-mail shared by several profiles adds them all.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { BadInputError, ConflictError } from '../errors.js';
import { normaliseEmail } from '../exports/normalise.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { refreshWithDependents } from './membership.service.js';
import { SegmentService } from './segments.service.js';

/** The most keys (externalIds and e-mails together) one call may name. */
export const MAX_LIST_KEYS = 100_000;
/** The misses listed one by one in an answer (all are counted). */
export const MAX_LISTED_MISSES = 1_000;
const MAX_KEY_LENGTH = 256;

export type ListKeyKind = 'externalId' | 'email';

export interface ListKeys {
  externalIds?: readonly string[] | null;
  emails?: readonly string[] | null;
}

export interface ListMiss {
  kind: ListKeyKind;
  /** Position in the list given (0-based), or the CSV line for a file. */
  index: number;
  value: string;
  reason: 'NOT_FOUND' | 'INVALID';
}

export interface ListChange {
  segment: SegmentRow;
  /** Profiles the keys matched (a profile named twice counts once). */
  matched: number;
  /** Members added (or removed): matched profiles that were not members (or were). */
  changed: number;
  notFound: number;
  invalid: number;
  /** The first MAX_LISTED_MISSES misses, in the order given. */
  misses: ListMiss[];
}

interface Prepared {
  externalIds: string[];
  externalPositions: number[];
  emails: string[];
  emailPositions: number[];
  invalid: ListMiss[];
}

function prepare(keys: ListKeys): Prepared {
  const externalIds = keys.externalIds ?? [];
  const emails = keys.emails ?? [];
  if (externalIds.length + emails.length > MAX_LIST_KEYS) {
    throw new BadInputError(`At most ${MAX_LIST_KEYS} keys (externalIds and emails together) per call, not ${externalIds.length + emails.length}: send the rest in another call, or upload a CSV file`);
  }
  const out: Prepared = { externalIds: [], externalPositions: [], emails: [], emailPositions: [], invalid: [] };
  externalIds.forEach((value, index) => {
    if (value.trim() === '' || value.length > MAX_KEY_LENGTH || value.includes('\u0000')) out.invalid.push({ kind: 'externalId', index, value: value.slice(0, MAX_KEY_LENGTH), reason: 'INVALID' });
    else {
      out.externalIds.push(value);
      out.externalPositions.push(index);
    }
  });
  emails.forEach((value, index) => {
    const email = value.length > MAX_KEY_LENGTH ? null : normaliseEmail(value);
    if (email === null) out.invalid.push({ kind: 'email', index, value: value.slice(0, MAX_KEY_LENGTH), reason: 'INVALID' });
    else {
      out.emails.push(email);
      out.emailPositions.push(index);
    }
  });
  return out;
}

async function staticList(db: Database, workspaceId: string, segmentId: string): Promise<SegmentRow> {
  const segment = await new SegmentService(db, workspaceId).get(segmentId);
  if (segment.type !== 'static') throw new BadInputError(`Segment '${segment.slug}' is dynamic: its members follow its rule (saveAsStaticSegment makes a list of them)`);
  if (segment.status === 'archived') throw new ConflictError(`Segment '${segment.slug}' is archived`);
  return segment;
}

/**
 * Adds (or removes) the profiles named by `keys` to (from) a static segment, in one transaction:
 * the keys are resolved in one statement, the members changed in another.
 */
export async function changeListByKeys(db: Database, workspaceId: string, segmentId: string, keys: ListKeys, action: 'add' | 'remove', now: Date): Promise<ListChange> {
  const prepared = prepare(keys);
  const segment = await staticList(db, workspaceId, segmentId);
  return db.transaction(async (tx) => {
    // Every key with the profiles it matches (none: a miss); the profiles are locked against
    // deletion until commit (segment_members has no foreign key), as addToStaticSegment does.
    const { rows } = await tx.execute<{ kind: ListKeyKind; position: number; profile_id: string | null }>(sql`
      with keys as (
        select 'externalId'::text as kind, k.value, k.position from unnest(${sql.param(prepared.externalIds)}::text[], ${sql.param(prepared.externalPositions)}::int[]) as k(value, position)
        union all
        select 'email', k.value, k.position from unnest(${sql.param(prepared.emails)}::text[], ${sql.param(prepared.emailPositions)}::int[]) as k(value, position)
      ),
      found as (
        select p.id, p.external_id, lower(btrim(p.email)) as email from profiles p
        where p.workspace_id = ${workspaceId}
          and (p.external_id = any(${sql.param(prepared.externalIds)}::text[]) or lower(btrim(p.email)) = any(${sql.param(prepared.emails)}::text[]))
        for key share
      )
      select k.kind, k.position, f.id as profile_id from keys k
      left join found f on (k.kind = 'externalId' and f.external_id = k.value) or (k.kind = 'email' and f.email = k.value)`);
    const matched = new Set<string>();
    const missing: ListMiss[] = [];
    const given = (kind: ListKeyKind, index: number) => String((kind === 'externalId' ? keys.externalIds : keys.emails)?.[index] ?? '');
    for (const row of rows) {
      if (row.profile_id) matched.add(row.profile_id);
      else missing.push({ kind: row.kind, index: Number(row.position), value: given(row.kind, Number(row.position)), reason: 'NOT_FOUND' });
    }
    const ids = [...matched];
    let changed = 0;
    if (ids.length > 0 && action === 'add') {
      const { rows: added } = await tx.execute<{ n: number }>(sql`
        with inserted as (
          insert into segment_members (segment_id, profile_id, workspace_id, joined_at)
          select ${segment.id}, id, ${workspaceId}, ${now} from unnest(${sql.param(ids)}::uuid[]) as id
          on conflict do nothing returning 1)
        select count(*)::int as n from inserted`);
      changed = added[0]?.n ?? 0;
    } else if (ids.length > 0) {
      const { rows: removed } = await tx.execute<{ n: number }>(sql`
        with deleted as (delete from segment_members where segment_id = ${segment.id} and profile_id = any(${sql.param(ids)}::uuid[]) returning 1)
        select count(*)::int as n from deleted`);
      changed = removed[0]?.n ?? 0;
    }
    if (segment.status === 'published' && changed > 0) await refreshWithDependents(tx, workspaceId, segment, now.getTime());
    const misses = [...prepared.invalid, ...missing].sort((a, b) => (a.kind === b.kind ? a.index - b.index : a.kind === 'externalId' ? -1 : 1));
    return { segment, matched: ids.length, changed, notFound: missing.length, invalid: prepared.invalid.length, misses: misses.slice(0, MAX_LISTED_MISSES) };
  });
}

/**
 * A new static segment, published, whose members are the current members of a published dynamic
 * segment (a snapshot: it does not follow the rule afterwards), joined at the snapshot's instant.
 */
export async function saveAsStaticSegment(
  db: Database,
  workspaceId: string,
  sourceId: string,
  input: { slug: string; name: string; description?: string | null; categoryId?: string | null },
  now: Date,
): Promise<SegmentRow> {
  return db.transaction(async (tx) => {
    const segments = new SegmentService(tx, workspaceId, () => now);
    const source = await segments.get(sourceId);
    if (source.type === 'static') throw new BadInputError(`Segment '${source.slug}' is already a static list`);
    if (source.status !== 'published') {
      throw new ConflictError(`Segment '${source.slug}' is ${source.status}: only a published segment has members to save (publish it first)`);
    }
    const created = await segments.create({ ...input, type: 'static' });
    await tx.execute(sql`
      insert into segment_members (segment_id, profile_id, workspace_id, joined_at)
      select ${created.id}, m.profile_id, m.workspace_id, ${now} from segment_members m where m.segment_id = ${source.id}`);
    return segments.publish(created.id);
  });
}
