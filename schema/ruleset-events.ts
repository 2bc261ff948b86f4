/**
 * Event filters and counts of a prepared ruleset. A filter is an event name plus `where` conditions
 * on properties; filters on the same event name form a group. The first time a request needs any
 * filter of a group, its events are walked once and every filter of the group gets the ascending
 * times of its matching events (in reused typed arrays). A count is then two binary searches: the
 * events in `[now - days, now]`, whatever the window or the bounds, so the many counts that share a
 * filter (`page_view` on `/pricing/**` at least 2 in 7 days, at least 3 in 30 days ...) cost
 * almost nothing each.
 *
 * Pages repeat across visitors, so the set of filters an event's properties satisfy is cached across
 * requests, keyed by those property values (bounded; only when no condition depends on "now").
 */
import type { AttrValue, EventRecord } from './context.js';
import { compileCondition, type ConditionTest } from './ruleset-conditions.js';
import type { ConditionEntry, FilterEntry } from './ruleset-types.js';
import { DAY_MS } from './rule.js';

const CACHE_LIMIT = 4096;

interface Group {
  event: string;
  filters: Int32Array;
  /** Property names the group's conditions read, in a fixed order (the cache key). */
  properties: string[];
  cacheable: boolean;
  cache: Map<string, Int32Array>;
  /** The passing filters of an event whose one property is missing (single-property groups). */
  missing: Int32Array | null;
  /** Whether a count of the group is over all time; else the longest window (ms) of its counts. */
  allTime: boolean;
  longest: number;
}

const read = (properties: Readonly<Record<string, AttrValue>>, name: string): AttrValue =>
  Object.hasOwn(properties, name) ? properties[name] : undefined;

/**
 * The filters and counts of one ruleset, with per-request state reused across requests.
 * @example const counts = new EventCounts([['page_view', []]], [], [[0, 1, null, 7]]); counts.holds(0, [], Date.now(), 1); // false
 */
export class EventCounts {
  private readonly where: Int32Array[];
  private readonly tests: ConditionTest[];
  private readonly testAttr: string[];
  private readonly groupOf: Group[];
  /** Times of the matching events of each filter, ascending, `size[f]` of them. */
  private readonly times: Float64Array[];
  private readonly size: Int32Array;
  /** How many of those times are at or before "now". */
  private readonly upToNow: Int32Array;
  /** Matching events whose time is not a finite number, per filter (they count for "all time" only). */
  private readonly untimed: Int32Array;
  /** The request (stamp) each filter's times were collected for. */
  private readonly filterStamp: Uint32Array;
  /** Per count, 4 numbers: filter, min, max (Infinity when unbounded), window in ms (-1: all time). */
  private readonly params: Float64Array;

  constructor(filters: readonly FilterEntry[], propertyConditions: readonly ConditionEntry[], counts: ReadonlyArray<readonly [number, number, number | null, number | null]>) {
    this.tests = propertyConditions.map(([attr, attrType, op, value]) => compileCondition({ kind: 'condition', attr, attrType, op, value }));
    this.testAttr = propertyConditions.map(([attr]) => attr);
    this.where = filters.map(([, where]) => Int32Array.from(where));
    this.times = filters.map(() => new Float64Array(8));
    this.size = new Int32Array(filters.length);
    this.upToNow = new Int32Array(filters.length);
    this.untimed = new Int32Array(filters.length);
    this.filterStamp = new Uint32Array(filters.length);
    const byName = new Map<string, { group: Group; members: number[] }>();
    this.groupOf = filters.map(([event, where], f) => {
      let entry = byName.get(event);
      if (!entry) {
        const group: Group = { event, filters: new Int32Array(0), properties: [], cacheable: true, cache: new Map(), missing: null, allTime: false, longest: 0 };
        byName.set(event, (entry = { group, members: [] }));
      }
      const group = entry.group;
      entry.members.push(f);
      for (const w of where) {
        const [attr, attrType] = propertyConditions[w] as ConditionEntry;
        if (!group.properties.includes(attr)) group.properties.push(attr);
        if (attrType === 'date') group.cacheable = false;
      }
      return group;
    });
    for (const { group, members } of byName.values()) group.filters = Int32Array.from(members);
    this.params = Float64Array.from(counts.flatMap(([f, min, max, days]) => [f, min, max ?? Infinity, days === null ? -1 : days * DAY_MS]));
    counts.forEach(([f, , , days]) => {
      const group = this.groupOf[f] as Group;
      if (days === null) group.allTime = true;
      else group.longest = Math.max(group.longest, days * DAY_MS);
    });
  }

  private passes(f: number, properties: Readonly<Record<string, AttrValue>>, now: number): boolean {
    for (const w of this.where[f] as Int32Array) {
      if (!(this.tests[w] as ConditionTest)(read(properties, this.testAttr[w] as string), now)) return false;
    }
    return true;
  }

  private evaluate(group: Group, properties: Readonly<Record<string, AttrValue>>, now: number): Int32Array {
    return Int32Array.from(group.filters.filter((f) => this.passes(f, properties, now)));
  }

  /** The filters of `group` an event with these properties passes (cached when possible). */
  private passing(group: Group, properties: Readonly<Record<string, AttrValue>>, now: number): Int32Array {
    if (!group.cacheable) return this.evaluate(group, properties, now);
    let key: string;
    if (group.properties.length === 1) {
      const v = read(properties, group.properties[0] as string);
      if (v === undefined || v === null) return (group.missing ??= this.evaluate(group, properties, now));
      if (typeof v !== 'string') return this.evaluate(group, properties, now);
      key = v;
    } else {
      key = '';
      for (const name of group.properties) {
        const v = read(properties, name);
        if (v === undefined || v === null) key += '\u0001';
        else if (typeof v === 'string') key += `${v.length}:${v}`;
        else return this.evaluate(group, properties, now);
      }
    }
    let hit = group.cache.get(key);
    if (hit === undefined) {
      hit = this.evaluate(group, properties, now);
      if (group.cache.size >= CACHE_LIMIT) group.cache.clear();
      group.cache.set(key, hit);
    }
    return hit;
  }

  /** Doubles filter `g`'s times array and appends `at` at its end (the caller counts it). */
  private grow(g: number, at: number): void {
    const times = this.times[g] as Float64Array;
    const grown = new Float64Array(times.length * 2);
    grown.set(times);
    grown[times.length] = at;
    this.times[g] = grown;
  }

  /**
   * Collects the matching times of every filter of `group` for this request. Unless a count is over
   * all time, events older than the group's longest window cannot count and are skipped.
   */
  private collect(group: Group, events: readonly EventRecord[], now: number, stamp: number): void {
    const filters = group.filters;
    for (let k = 0; k < filters.length; k++) {
      this.size[filters[k] as number] = 0;
      this.untimed[filters[k] as number] = 0;
      this.filterStamp[filters[k] as number] = stamp;
    }
    const name = group.event;
    const allTime = group.allTime;
    const cutoff = allTime ? -Infinity : now - group.longest;
    const single = group.cacheable && group.properties.length === 1 ? (group.properties[0] as string) : null;
    // A plain object whose prototype lacks the property has it as its own or not at all.
    const plainIsOwn = single !== null && !(single in Object.prototype);
    // Events usually come oldest first; then every filter's times are already ascending.
    let ordered = true;
    let latest = -Infinity;
    for (let e = 0; e < events.length; e++) {
      const event = events[e] as EventRecord;
      if (event.name !== name) continue;
      const at = event.at;
      const finite = Number.isFinite(at);
      if (finite ? at < cutoff : !allTime) continue;
      if (finite) {
        if (at < latest) ordered = false;
        else latest = at;
      }
      const properties = event.properties;
      let passing: Int32Array | undefined;
      if (single !== null) {
        const v = properties[single];
        const own = Object.getPrototypeOf(properties) === Object.prototype ? plainIsOwn : Object.hasOwn(properties, single);
        if (typeof v === 'string' && own) passing = group.cache.get(v);
      }
      passing ??= this.passing(group, properties, now);
      for (let k = 0; k < passing.length; k++) {
        const g = passing[k] as number;
        if (!finite) this.untimed[g] = (this.untimed[g] as number) + 1;
        else {
          const n = this.size[g] as number;
          const times = this.times[g] as Float64Array;
          if (n < times.length) times[n] = at;
          else this.grow(g, at);
          this.size[g] = n + 1;
        }
      }
    }
    for (let k = 0; k < filters.length; k++) {
      const g = filters[k] as number;
      const times = this.times[g] as Float64Array;
      const n = this.size[g] as number;
      if (!ordered) times.subarray(0, n).sort();
      let upTo = n;
      // (Negated so that a NaN "now" leaves none, as it counts none.)
      while (upTo > 0 && !((times[upTo - 1] as number) <= now)) upTo--;
      this.upToNow[g] = upTo;
    }
  }

  /**
   * Whether count `i` holds for `events` at `now`; `stamp` identifies the request. With ascending
   * times and `u` of them at or before now, "at least min in the window" is "the min-th newest of
   * those is in the window", and "at most max" is "the (max+1)-th newest is not": no search at all.
   */
  holds(i: number, events: readonly EventRecord[], now: number, stamp: number): boolean {
    return this.test(this.params, i << 2, events, now, stamp);
  }

  /** Copies the 4 numbers of count `i` (filter, min, max, window) into `into` at `at`, for `test`. */
  copyCount(i: number, into: Float64Array, at: number): void {
    into.set(this.params.subarray(i << 2, (i << 2) + 4), at);
  }

  /**
   * `holds` of the count whose 4 numbers are at `params[at]` (as `copyCount` writes them), so that a
   * caller can keep them next to its own data.
   */
  test(params: Float64Array, at: number, events: readonly EventRecord[], now: number, stamp: number): boolean {
    const f = params[at] as number;
    if (this.filterStamp[f] !== stamp) this.collect(this.groupOf[f] as Group, events, now, stamp);
    const min = params[at + 1] as number;
    const max = params[at + 2] as number;
    const span = params[at + 3] as number;
    if (span < 0) {
      const n = (this.size[f] as number) + (this.untimed[f] as number);
      return n >= min && n <= max;
    }
    const times = this.times[f] as Float64Array;
    const u = this.upToNow[f] as number;
    const from = now - span;
    if (min > 0 && (u < min || (times[u - min] as number) < from)) return false;
    return max >= u || (times[u - max - 1] as number) < from;
  }

  /** Forgets per-request state (after the stamp counter wraps). */
  reset(): void {
    this.filterStamp.fill(0);
  }
}
