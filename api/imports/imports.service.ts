/**
 * Bulk import of profiles or events from a streamed NDJSON or CSV body: lines are read, parsed and
 * checked as they arrive (lines.ts, csv.ts, *-lines.ts), good rows gather into chunks that are
 * merged each in one transaction (merge-*.ts, retried whole on a deadlock), bad lines go into the
 * report with their line number, field path and message. While one chunk is being merged the next
 * is parsed (one chunk in flight), so the database and the parser overlap on the two cores.
 *
 * Progress and report live in the `imports` row, updated inside each chunk's transaction: what it
 * says is committed. Nothing is held beyond one chunk (CHUNK_ROWS rows or CHUNK_BYTES of lines)
 * and the chunk in flight. A body that ends early (a dropped connection) or is too large fails the
 * import; the chunks committed stay committed, and sending the same file again is the recovery
 * (profiles merge to the same state, stored event ids are duplicates).
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { inTransaction } from '../db/transaction.js';
import { BadInputError, DomainError } from '../errors.js';
import { imports, type ImportLineError, type ImportRow } from '../../drizzle/index.js';
import { traitTypes } from '../traits/traits.service.js';
import { tombstoneHash } from '../profiles/tombstones.js';
import type { ProfileData, Problem } from '../profiles/profile-input.js';
import type { CheckedEvent } from '../events/event-input.js';
import { readLines } from './lines.js';
import { CsvReader } from './csv.js';
import { checkProfile, parseJsonObject, profileCsvHeader, profileFromCsv, type Parsed } from './profile-lines.js';
import { checkEvent, eventCsvHeader, eventFromCsv } from './event-lines.js';
import { foldProfile, mergeProfiles } from './merge-profiles.js';
import { mergeEvents } from './merge-events.js';
import { disableJit } from '../segments/membership.service.js';
import { dirtyProfilesCommitted } from '../segments/profile-changes.js';

export type ImportType = 'profiles' | 'events';
export type ImportFormat = 'ndjson' | 'csv';

export const IMPORT_LIMITS = {
  /** Rows merged in one transaction. */
  chunkRows: 10_000,
  /** Bytes of lines in one chunk (bounds memory when lines are long). */
  chunkBytes: 16 * 1024 * 1024,
  /** One line (a CSV record: each of its lines). */
  maxLineBytes: 256 * 1024,
  /** The whole body. */
  maxBytes: 8 * 1024 * 1024 * 1024,
  /** How often a running import renews its `updated_at` (its heartbeat), ms. */
  heartbeatMs: 15_000,
  /**
   * A running import whose heartbeat is older than this is one whose process died (kill -9, a lost
   * machine): it is reported, and recorded, as failed. Several heartbeats, so a busy database does not fake a death.
   */
  staleMs: 90_000,
  /** Line errors kept in the report (the rest are counted). */
  maxReportedErrors: 1_000,
};

export interface ImportOptions {
  workspaceId: string;
  type: ImportType;
  format: ImportFormat;
  body: AsyncIterable<Uint8Array>;
  /** The instant of the written data and of the checks (the request's; tests pin it). The record's own times are the wall clock. */
  now: () => Date;
  /** A client-chosen id (so it can follow the progress while it sends); a random one otherwise. */
  id?: string;
  limits?: Partial<typeof IMPORT_LIMITS>;
}

interface Counts {
  linesRead: number;
  accepted: number;
  rejected: number;
  created: number;
  duplicates: number;
  errors: ImportLineError[];
}

type Row = { line: number; profile: ProfileData } | { line: number; event: CheckedEvent };

/** Creates the import record (a client-chosen id that exists already is a CONFLICT, raised by the caller's check). */
export async function createImport(db: Database, workspaceId: string, type: ImportType, format: ImportFormat, now: Date, id?: string): Promise<ImportRow> {
  const [row] = await db
    .insert(imports)
    .values({ ...(id ? { id } : {}), workspaceId, type, format, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new BadInputError(`An import with id ${id} exists already: choose a new id`, { field: 'importId' });
  return row;
}

export async function runImport(db: Database, options: ImportOptions): Promise<ImportRow> {
  const limits = { ...IMPORT_LIMITS, ...options.limits };
  const { workspaceId, type, format } = options;
  const record = await createImport(db, workspaceId, type, format, new Date(), options.id);
  const declared = await traitTypes(db, workspaceId);
  const hash = await tombstoneHash(db);
  const counts: Counts = { linesRead: 0, accepted: 0, rejected: 0, created: 0, duplicates: 0, errors: [] };
  const report = (line: number, problems: readonly Problem[]) => {
    counts.rejected++;
    for (const p of problems) {
      if (counts.errors.length < limits.maxReportedErrors) counts.errors.push({ line, path: p.path, message: p.message });
    }
  };

  /**
   * Merges `rows` in one transaction and records the progress with it: the parse-side counts as they
   * were when the chunk was cut (`parsed`), plus what the merge found. The counts in memory change
   * only once the transaction committed (inTransaction may run the body again).
   */
  const flush = async (rows: Row[], linesRead: number, parsed: { rejected: number; errors: ImportLineError[] }) => {
    const now = options.now();
    const result = await inTransaction(db, async (tx) => {
      // A chunk's statements are estimated costly enough for PostgreSQL to compile them with LLVM on
      // every chunk, which costs more than running them.
      await disableJit(tx);
      let merged: { accepted: number; created: number; duplicates: number; errors: ImportLineError[] };
      if (type === 'profiles') {
        const folded = new Map<string, ProfileData>();
        for (const r of rows as Array<{ line: number; profile: ProfileData }>) {
          const prev = folded.get(r.profile.externalId);
          folded.set(r.profile.externalId, prev ? foldProfile(prev, r.profile) : r.profile);
        }
        const { created } = await mergeProfiles(tx, workspaceId, [...folded.values()], now, hash);
        merged = { accepted: rows.length, created, duplicates: 0, errors: [] };
      } else {
        const seen = new Set<string>();
        const unique = (rows as Array<{ line: number; event: CheckedEvent }>).filter((r) => (seen.has(r.event.eventId) ? false : (seen.add(r.event.eventId), true)));
        const { errors, inserted, created } = await mergeEvents(tx, workspaceId, unique, now, hash);
        merged = { accepted: rows.length - errors.length, created, duplicates: rows.length - errors.length - inserted, errors };
      }
      const errors = [...parsed.errors, ...merged.errors].slice(0, limits.maxReportedErrors);
      await tx
        .update(imports)
        .set({
          linesRead,
          accepted: counts.accepted + merged.accepted,
          rejected: parsed.rejected + merged.errors.length,
          created: counts.created + merged.created,
          duplicates: counts.duplicates + merged.duplicates,
          errors,
          updatedAt: new Date(),
        })
        .where(eq(imports.id, record.id));
      return merged;
    });
    // The chunk's profiles were marked dirty in its transaction: wake this process's evaluator now
    // rather than at its next poll.
    dirtyProfilesCommitted();
    counts.linesRead = linesRead;
    counts.accepted += result.accepted;
    counts.created += result.created;
    counts.duplicates += result.duplicates;
    for (const e of result.errors) report(e.line, [e]);
  };

  let inflight: Promise<void> = Promise.resolve();
  let chunk: Row[] = [];
  let chunkBytes = 0;
  const cut = async (linesRead: number) => {
    const rows = chunk;
    chunk = [];
    chunkBytes = 0;
    await inflight;
    inflight = flush(rows, linesRead, { rejected: counts.rejected, errors: [...counts.errors] });
    inflight.catch(() => undefined);
  };

  const csv = format === 'csv' ? new CsvReader() : null;
  let header: ((fields: readonly string[]) => Parsed<Record<string, unknown>>) | null = null;
  const take = (line: number, parsed: Parsed<Record<string, unknown>>) => {
    const value = parsed.ok ? parsed.value : parsed.partial;
    const before = parsed.ok ? [] : parsed.problems;
    if (!value) return report(line, before);
    // Every problem of the line: its unreadable cells, then the rules of upsertProfiles / trackEvents.
    const skip = new Set(before.map((p) => p.path));
    const problemsOf = (found: readonly Problem[]) => [...before, ...found.filter((p) => !skip.has(p.path))].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (type === 'profiles') {
      const checked = checkProfile(value, declared);
      if (!checked.ok || before.length > 0) return report(line, problemsOf(checked.ok ? [] : checked.problems));
      chunk.push({ line, profile: checked.value });
    } else {
      const checked = checkEvent(value, options.now());
      if (!checked.ok || before.length > 0) return report(line, problemsOf(checked.ok ? [] : checked.problems));
      chunk.push({ line, event: checked.value });
    }
  };
  const record_ = (line: number, fields: readonly string[]) => {
    if (header) return take(line, header(fields));
    if (type === 'profiles') {
      const h = profileCsvHeader(fields, declared);
      if (!h.ok) throw new BadInputError(`The CSV header is not usable: ${h.problems[0]!.path}: ${h.problems[0]!.message}`, { problems: h.problems });
      header = (f) => profileFromCsv(h.value, f);
    } else {
      const h = eventCsvHeader(fields);
      if (!h.ok) throw new BadInputError(`The CSV header is not usable: ${h.problems[0]!.path}: ${h.problems[0]!.message}`, { problems: h.problems });
      header = (f) => eventFromCsv(h.value, f);
    }
  };

  // The heartbeat: a running import renews updated_at while its body streams (a slow sender may take
  // longer than staleMs between chunks), so a reader can tell a live import from a dead process's.
  const heartbeat = setInterval(() => {
    void db.update(imports).set({ updatedAt: new Date() }).where(sql`${imports.id} = ${record.id} and ${imports.status} = 'running'`).catch(() => undefined);
  }, limits.heartbeatMs);
  heartbeat.unref();
  let lastLine = 0;
  try {
    for await (const lines of readLines(options.body, limits)) {
      for (const l of lines) {
        lastLine = l.line;
        if ('problem' in l) {
          report(l.line, [{ path: '', message: l.problem }]);
          continue;
        }
        if (csv) {
          if (l.text === '' && !header) continue;
          const rec = csv.push(l.line, l.text);
          if (rec === null) continue;
          if (!('fields' in rec)) report(rec.line, [{ path: '', message: rec.problem }]);
          else if (!(rec.fields.length === 1 && rec.fields[0]!.trim() === '')) record_(rec.line, rec.fields);
        } else {
          if (l.text.trim() === '') continue;
          take(l.line, parseJsonObject(l.text));
        }
        chunkBytes += l.bytes;
        if (chunk.length >= limits.chunkRows || chunkBytes >= limits.chunkBytes) await cut(l.line);
      }
    }
    const open = csv?.end();
    if (open) report(open.line, [{ path: '', message: open.problem }]);
    if (csv && !header) throw new BadInputError('The CSV body is empty: the first line must be a header row naming the columns', { field: 'body' });
    await cut(lastLine);
    await inflight;
  } catch (error) {
    await inflight.catch(() => undefined);
    const failure = describeFailure(error, counts.linesRead);
    await db.update(imports).set({ status: 'failed', failure, finishedAt: new Date(), updatedAt: new Date() }).where(eq(imports.id, record.id)).catch(() => undefined);
    if (error instanceof DomainError) error.details.importId = record.id;
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
  const finished = new Date();
  const [done] = await db
    .update(imports)
    .set({ status: 'done', linesRead: lastLine, rejected: counts.rejected, errors: counts.errors, finishedAt: finished, updatedAt: finished })
    .where(eq(imports.id, record.id))
    .returning();
  return done!;
}

function describeFailure(error: unknown, committedLines: number): string {
  const what = error instanceof DomainError ? error.message : 'the import stopped on an internal error';
  return `${what}; lines up to ${committedLines} are committed: send the same file again to finish (committed lines are merged again to the same state, stored event ids count as duplicates)`;
}

/**
 * The import, as committed. A `running` import whose heartbeat stopped more than `staleMs` ago
 * belongs to a process that died: it is recorded as failed (once: the update re-checks the
 * heartbeat, so a live import that just renewed it is left alone) with what was committed.
 */
export async function getImport(db: Database, workspaceId: string, id: string, staleMs = IMPORT_LIMITS.staleMs): Promise<ImportRow | undefined> {
  const [row] = await db.select().from(imports).where(sql`${imports.id} = ${id} and ${imports.workspaceId} = ${workspaceId}`);
  if (!row || row.status !== 'running' || Date.now() - row.updatedAt.getTime() <= staleMs) return row;
  const stale = new Date(Date.now() - staleMs).toISOString();
  const failure = `the import was interrupted: the process running it stopped (no sign of life since ${row.updatedAt.toISOString()}); lines up to ${row.linesRead} are committed: send the same file again to finish (committed lines are merged again to the same state, stored event ids count as duplicates)`;
  const [failed] = await db
    .update(imports)
    .set({ status: 'failed', failure, finishedAt: row.updatedAt })
    .where(sql`${imports.id} = ${id} and ${imports.status} = 'running' and ${imports.updatedAt} < ${stale}::timestamptz`)
    .returning();
  return failed ?? (await getImport(db, workspaceId, id, staleMs));
}
