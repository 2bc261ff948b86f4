/**
 * Exact live counts of unsaved rules (previews, draft sizes) from an in-memory copy of a workspace's
 * profiles and events (snapshot.ts), brought up to date before every count (load.ts) and released
 * when idle. One PreviewCounts per opened database and process (`previewCountsFor`).
 *
 * A workspace is held only once it has at least `minProfiles` profiles (below that the SQL count is
 * fast) and only after a first count asked for it: that count, and any during the load, answer
 * `null` and the caller counts in SQL. While the copy is held, every count first applies what changed
 * (one statement), so the answer is exact as of that statement.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/index.js';
import { logError } from '../../log.js';
import type { RuleNode } from '../../../schema/rule.js';
import type { PublishedDefinitions } from '../definitions.js';
import { countRule, staticReferences } from './count.js';
import { loadSnapshot, refreshSnapshot, unwatch, type LoadedSnapshot } from './load.js';

export interface PreviewOptions {
  /** Smallest workspace held in memory (default 20,000 profiles; AE_PREVIEW_MIN_PROFILES). */
  minProfiles: number;
  /** A copy unused this long is dropped (default 5 minutes). */
  idleMs: number;
  /** Off: every count is answered in SQL (AE_PREVIEW_MEMORY=off). */
  enabled: boolean;
}

interface Held {
  /** The copy in use, or undefined while the first load runs. */
  current?: LoadedSnapshot;
  loading?: Promise<LoadedSnapshot>;
  /** Counts and refreshes of one copy run one at a time. */
  queue: Promise<unknown>;
  idle?: NodeJS.Timeout;
}

export class PreviewCounts {
  readonly holder = randomUUID();
  private readonly held = new Map<string, Held>();
  /** Workspaces found smaller than minProfiles, until when (not asked again for a minute). */
  private readonly small = new Map<string, number>();
  readonly options: PreviewOptions;

  constructor(private readonly db: Database, options: Partial<PreviewOptions> = {}) {
    this.options = {
      minProfiles: options.minProfiles ?? Number(process.env.AE_PREVIEW_MIN_PROFILES ?? 20_000),
      idleMs: options.idleMs ?? 5 * 60_000,
      enabled: options.enabled ?? process.env.AE_PREVIEW_MEMORY !== 'off',
    };
  }

  /**
   * The number of profiles of the workspace that `rule` matches at `now`, or null when the copy is
   * not ready (the caller counts in SQL). `wait`: load the copy first if need be (benches, tests).
   */
  async count(workspaceId: string, rule: RuleNode, definitions: PublishedDefinitions, now: number, options: { wait?: boolean } = {}): Promise<number | null> {
    if (!this.options.enabled) return null;
    let held = this.held.get(workspaceId);
    if (held === undefined) {
      if (!(await this.largeEnough(workspaceId))) return null;
      held = this.held.get(workspaceId) ?? this.startLoad(workspaceId);
    }
    this.touch(workspaceId, held);
    if (held.current === undefined) {
      if (!options.wait || held.loading === undefined) return null;
      await held.loading.catch(() => undefined);
      return this.count(workspaceId, rule, definitions, now, { wait: false });
    }
    const run = held.queue.then(async () => {
      const loaded = held.current!;
      if (!(await refreshSnapshot(this.db, workspaceId, this.holder, loaded))) {
        // The watch lapsed: changes may have gone unlogged. Load again; SQL meanwhile.
        this.drop(workspaceId);
        this.startLoad(workspaceId);
        return null;
      }
      const env = { segment: (slug: string) => definitions.bySlug.get(slug) };
      const members = await this.staticMembers(workspaceId, loaded, [...staticReferences(rule, env)]);
      const n = countRule(loaded.snapshot, rule, now, { ...env, staticMembers: (id) => members.get(id) ?? new Uint8Array(loaded.snapshot.size) });
      const { snapshot } = loaded;
      // Changed profiles take new slots: once a fifth are dead, a fresh load compacts them.
      if (snapshot.deadSlots > snapshot.size / 5 && held.loading === undefined) this.startLoad(workspaceId);
      return n;
    });
    held.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops every copy (tests, shutdown). */
  async close(): Promise<void> {
    for (const workspaceId of [...this.held.keys()]) this.drop(workspaceId);
  }

  /** Whether a workspace is held in memory now (ready or loading). */
  holds(workspaceId: string): boolean {
    return this.held.has(workspaceId);
  }

  private async largeEnough(workspaceId: string): Promise<boolean> {
    const min = this.options.minProfiles;
    if (min <= 0) return true;
    if ((this.small.get(workspaceId) ?? 0) > Date.now()) return false;
    const result = await this.db.execute(sql`select count(*)::int as n from (select 1 from profiles where workspace_id = ${workspaceId}::uuid limit ${min}) x`);
    if (Number((result.rows[0] as { n: number }).n) >= min) return true;
    if (this.small.size > 10_000) this.small.clear();
    this.small.set(workspaceId, Date.now() + 60_000);
    return false;
  }

  private startLoad(workspaceId: string): Held {
    const held: Held = this.held.get(workspaceId) ?? { queue: Promise.resolve() };
    this.held.set(workspaceId, held);
    const started = Date.now();
    const loading = loadSnapshot(this.db, workspaceId, this.holder);
    held.loading = loading;
    loading.then(
      (loaded) => {
        if (this.held.get(workspaceId) !== held) return; // dropped meanwhile
        held.current = loaded;
        held.loading = undefined;
        loadTimes.set(workspaceId, Date.now() - started);
      },
      (error: Error) => {
        if (this.held.get(workspaceId) === held) this.drop(workspaceId);
        logError(`preview copy of workspace ${workspaceId} not loaded (counts stay in SQL)`, error);
      },
    );
    return held;
  }

  private touch(workspaceId: string, held: Held): void {
    if (held.idle) clearTimeout(held.idle);
    held.idle = setTimeout(() => this.drop(workspaceId), this.options.idleMs);
    held.idle.unref();
  }

  private drop(workspaceId: string): void {
    const held = this.held.get(workspaceId);
    if (held === undefined) return;
    if (held.idle) clearTimeout(held.idle);
    this.held.delete(workspaceId);
    unwatch(this.db, workspaceId, this.holder).catch(() => undefined);
  }

  /** Live slots of the members of each static segment, read now. */
  private async staticMembers(workspaceId: string, loaded: LoadedSnapshot, segmentIds: string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const id of segmentIds) {
      const result = await this.db.execute(sql`select profile_id::text as id from segment_members where segment_id = ${id}::uuid and workspace_id = ${workspaceId}::uuid`);
      const mask = new Uint8Array(loaded.snapshot.size);
      for (const row of result.rows as Array<{ id: string }>) {
        const slot = loaded.snapshot.slotOf(row.id);
        if (slot >= 0) mask[slot] = 1;
      }
      out.set(id, mask);
    }
    return out;
  }
}

/** How long the last load of each workspace took (ms), for benches. */
export const loadTimes = new Map<string, number>();

const byDatabase = new WeakMap<Database, PreviewCounts>();

/** The PreviewCounts of an opened database (one per process). */
export function previewCountsFor(db: Database): PreviewCounts {
  let previews = byDatabase.get(db);
  if (previews === undefined) byDatabase.set(db, (previews = new PreviewCounts(db)));
  return previews;
}
