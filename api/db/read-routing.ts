/**
 * Where a read goes when a read URL (DATABASE_READ_URL: a streaming replica, a Neon read replica in
 * production) is configured: to the replica when it is up and known to hold every commit the read
 * must see, else to the primary. A replica that is down or behind costs freshness never availability.
 *
 * How "known to hold" is decided, without a query per request: a probe (every `probeIntervalMs`)
 * first takes the primary's WAL position (`pg_current_wal_lsn()`), stamping it with the instant the
 * statement was sent, then asks the replica how far it has replayed (`pg_last_wal_replay_lsn()`).
 * Every commit made before a stamp whose position the replica has replayed is on the replica:
 * `caughtUpTo` is the latest such stamp. Then:
 * - staleness bound: the replica serves reads only while `now - caughtUpTo <= maxStalenessMs`, so a
 *   replica that stops replaying (lag, a paused or broken replay) is left within that bound;
 * - read-your-writes: a workspace that wrote in this process at instant T (a mutation, a REST write;
 *   noted after the write committed and before its response was sent) reads from the primary until
 *   `caughtUpTo > T`, i.e. until a probe has seen its write on the replica;
 * - outage: a failed probe, or a replica connection that cannot be opened (markDown), sends every
 *   read to the primary until a later probe reaches the replica again. A server that is not in
 *   recovery (a promoted or misnamed replica) is not used: it would not follow the primary.
 * Instants are this process's monotonic clock (performance.now by default; tests pass their own), so
 * server clocks never matter. Read-your-writes holds per process; across processes behind one load
 * balancer the staleness bound is the guarantee.
 */
import { performance } from 'node:perf_hooks';

/** How the router reaches the two servers (one small query each; openDatabase supplies them per driver). */
export interface ReadProbes {
  /** The primary's current WAL position, as a decimal byte offset. */
  primaryLsn(): Promise<bigint>;
  /** The replica's replayed WAL position and whether it is in recovery (a standby). */
  replica(): Promise<{ replayLsn: bigint | null; inRecovery: boolean }>;
}

export interface ReadRoutingOptions {
  /** A read may miss commits older than this by at most this much (default 5 s; DATABASE_READ_MAX_STALENESS_MS). */
  maxStalenessMs?: number;
  /** How often the replica is probed (default 1 s; 0: only when `probe()` is called, for tests). */
  probeIntervalMs?: number;
  /** The clock of instants, in ms (default performance.now). */
  clock?: () => number;
}

export const DEFAULT_MAX_STALENESS_MS = 5_000;
export const DEFAULT_PROBE_INTERVAL_MS = 1_000;
/** Primary positions kept: enough to find the latest one the replica has replayed while it is a few probes behind. */
const SAMPLES_KEPT = 64;
/** Workspaces remembered as having written: beyond this, the oldest are forgotten (they read from the replica once it caught up). */
const WRITERS_KEPT = 10_000;

export type ReadTarget = 'replica' | 'primary';

export interface ReadRoutingStatus {
  /** The last probe reached a standby. */
  up: boolean;
  /** ms since the latest instant whose commits the replica is known to hold (null: never). */
  stalenessMs: number | null;
  /** Why the replica is not in use, when it is not. */
  reason: string | null;
  /** Reads sent to each side by this process. */
  reads: { replica: number; primary: number };
}

export class ReadRouter {
  readonly maxStalenessMs: number;
  private readonly clock: () => number;
  private readonly samples: { at: number; lsn: bigint }[] = [];
  private readonly writes = new Map<string, number>();
  private caughtUpTo = Number.NEGATIVE_INFINITY;
  private up = false;
  private reason: string | null = 'not probed yet';
  private probing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly counts = { replica: 0, primary: 0 };

  constructor(
    private readonly probes: ReadProbes,
    options: ReadRoutingOptions = {},
  ) {
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    this.clock = options.clock ?? (() => performance.now());
    const interval = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => void this.probe(), interval);
      this.timer.unref();
    }
  }

  /** One probe (joined when one is running): primary position first, then the replica's replay. */
  probe(): Promise<void> {
    return (this.probing ??= this.runProbe().finally(() => (this.probing = undefined)));
  }

  private async runProbe(): Promise<void> {
    const at = this.clock();
    let lsn: bigint;
    try {
      lsn = await this.probes.primaryLsn();
    } catch (error) {
      // The primary is what is down: reads stay where they are, the writes fail on their own.
      console.error(`read routing: the primary's WAL position could not be read: ${messageOf(error)}`);
      return;
    }
    this.samples.push({ at, lsn });
    if (this.samples.length > SAMPLES_KEPT) this.samples.shift();
    try {
      const replica = await this.probes.replica();
      if (!replica.inRecovery || replica.replayLsn === null) {
        this.setDown('the read URL is not a standby in recovery (pg_is_in_recovery() is false): it does not follow the primary');
        return;
      }
      for (const sample of this.samples) if (sample.lsn <= replica.replayLsn && sample.at > this.caughtUpTo) this.caughtUpTo = sample.at;
      if (!this.up) console.log('read routing: the replica is up; reads go to it');
      this.up = true;
      this.reason = null;
    } catch (error) {
      this.setDown(`the replica is unreachable: ${messageOf(error)}`);
    }
  }

  private setDown(reason: string): void {
    if (this.up || this.reason !== reason) console.error(`read routing: ${reason}; reads go to the primary`);
    this.up = false;
    this.reason = reason;
  }

  /** The replica could not be used (a connection failed): reads go to the primary until a probe reaches it again. */
  markDown(error: unknown): void {
    this.setDown(`a replica connection failed: ${messageOf(error)}`);
  }

  /** `workspaceId` wrote (committed) just now: its reads need the primary until the replica has it. */
  noteWrite(workspaceId: string): void {
    this.writes.delete(workspaceId);
    this.writes.set(workspaceId, this.clock());
    if (this.writes.size > WRITERS_KEPT) this.writes.delete(this.writes.keys().next().value!);
  }

  /** Counts a read served by `target` (status().reads). */
  served(target: ReadTarget): void {
    this.counts[target]++;
  }

  /** Where a read for `workspaceId` (none: no read-your-writes to keep) goes now. */
  pick(workspaceId?: string): ReadTarget {
    if (!this.up) return 'primary';
    if (this.clock() - this.caughtUpTo > this.maxStalenessMs) return 'primary';
    if (workspaceId === undefined) return 'replica';
    const wrote = this.writes.get(workspaceId);
    if (wrote === undefined) return 'replica';
    if (this.caughtUpTo > wrote) {
      this.writes.delete(workspaceId);
      return 'replica';
    }
    return 'primary';
  }

  status(): ReadRoutingStatus {
    const staleness = Number.isFinite(this.caughtUpTo) ? this.clock() - this.caughtUpTo : null;
    let reason = this.reason;
    if (reason === null && (staleness === null || staleness > this.maxStalenessMs)) reason = `the replica is more than ${this.maxStalenessMs} ms behind`;
    return { up: this.up, stalenessMs: staleness, reason, reads: { ...this.counts } };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The driver's own message (drizzle wraps it with the whole statement and its parameters in `cause`). */
function messageOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The probe queries, as SQL text (both drivers run them as they are). */
export const PRIMARY_LSN_SQL = `select (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as lsn`;
export const REPLICA_SQL = `select pg_is_in_recovery() as recovery, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text as lsn`;

/** Reads the answer of REPLICA_SQL. */
export function replicaState(row: { recovery: boolean; lsn: string | null } | undefined): { replayLsn: bigint | null; inRecovery: boolean } {
  if (!row) throw new Error('the replica probe returned no row');
  return { inRecovery: row.recovery, replayLsn: row.lsn === null ? null : BigInt(row.lsn) };
}

/** Reads the answer of PRIMARY_LSN_SQL. */
export function primaryLsnOf(row: { lsn: string } | undefined): bigint {
  if (!row) throw new Error('the primary probe returned no row');
  return BigInt(row.lsn);
}
