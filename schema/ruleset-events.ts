/**
 * Event filters of a prepared ruleset: which of the subject's events pass each filter (name plus
 * `where` conditions on properties). Filters on the same event name form a group; the first time
 * any filter of a group is needed in a request, the events are walked once and every filter of the
 * group gets the times of its matching events.
 *
 * Pages repeat across visitors, so the set of filters an event's properties satisfy is cached across
 * requests, keyed by those property values (bounded; only when no condition depends on "now").
 */
import type { AttrValue, EventRecord } from './context.js';
import { compileCondition, type ConditionTest } from './ruleset-conditions.js';
import type { ConditionEntry, FilterEntry } from './ruleset-types.js';

const CACHE_LIMIT = 4096;

interface Group {
  event: string;
  filters: number[];
  /** Property names the group's conditions read, in a fixed order (the cache key). */
  properties: string[];
  cacheable: boolean;
  cache: Map<string, Int32Array>;
  stamp: number;
}

const read = (properties: Readonly<Record<string, AttrValue>>, name: string): AttrValue =>
  Object.hasOwn(properties, name) ? properties[name] : undefined;

export class EventFilters {
  private readonly where: number[][];
  private readonly tests: Array<{ attr: string; test: ConditionTest }>;
  private readonly groups = new Map<string, Group>();
  private readonly groupOf: Group[];
  /** Times of the matching events of each filter, valid for the request of the group's stamp. */
  private readonly times: number[][];
  /** Matching events whose time is not a finite number, per filter. */
  readonly untimed: Int32Array;

  constructor(filters: readonly FilterEntry[], propertyConditions: readonly ConditionEntry[]) {
    this.tests = propertyConditions.map(([attr, attrType, op, value]) => ({ attr, test: compileCondition({ kind: 'condition', attr, attrType, op, value }) }));
    this.where = filters.map(([, where]) => where);
    this.times = filters.map(() => []);
    this.untimed = new Int32Array(filters.length);
    this.groupOf = filters.map(([event, where], f) => {
      let group = this.groups.get(event);
      if (!group) this.groups.set(event, (group = { event, filters: [], properties: [], cacheable: true, cache: new Map(), stamp: 0 }));
      group.filters.push(f);
      for (const w of where) {
        const [attr, attrType] = propertyConditions[w] as ConditionEntry;
        if (!group.properties.includes(attr)) group.properties.push(attr);
        if (attrType === 'date') group.cacheable = false;
      }
      return group;
    });
  }

  private passes(f: number, properties: Readonly<Record<string, AttrValue>>, now: number): boolean {
    for (const w of this.where[f] as number[]) {
      const { attr, test } = this.tests[w] as { attr: string; test: ConditionTest };
      if (!test(read(properties, attr), now)) return false;
    }
    return true;
  }

  /** The filters of `group` an event with these properties passes (cached when possible). */
  private passing(group: Group, properties: Readonly<Record<string, AttrValue>>, now: number): Int32Array | number[] {
    let key: string | null = null;
    if (group.cacheable && group.properties.length === 1) {
      const v = read(properties, group.properties[0] as string);
      key = typeof v === 'string' ? v : v === undefined || v === null ? '\u0001missing' : null;
    } else if (group.cacheable) {
      key = '';
      for (const name of group.properties) {
        const v = read(properties, name);
        if (v === undefined || v === null) key += '\u0001';
        else if (typeof v === 'string') key += `${v.length}:${v}`;
        else {
          key = null;
          break;
        }
      }
    }
    if (key !== null) {
      const hit = group.cache.get(key);
      if (hit) return hit;
    }
    const passing = group.filters.filter((f) => this.passes(f, properties, now));
    if (key === null) return passing;
    if (group.cache.size >= CACHE_LIMIT) group.cache.clear();
    const compact = Int32Array.from(passing);
    group.cache.set(key, compact);
    return compact;
  }

  /** Times (ascending) of the events that pass filter `f`, computed once per request (`stamp`). */
  timesOf(f: number, events: readonly EventRecord[], now: number, stamp: number): readonly number[] {
    const group = this.groupOf[f] as Group;
    if (group.stamp !== stamp) {
      group.stamp = stamp;
      for (const g of group.filters) {
        (this.times[g] as number[]).length = 0;
        this.untimed[g] = 0;
      }
      for (const event of events) {
        if (event.name !== group.event) continue;
        const at = event.at;
        // Instants that are not numbers count for "all time" only; they never fall in a window.
        for (const g of this.passing(group, event.properties, now)) {
          if (Number.isFinite(at)) (this.times[g] as number[]).push(at);
          else this.untimed[g] = (this.untimed[g] as number) + 1;
        }
      }
      for (const g of group.filters) {
        const times = this.times[g] as number[];
        for (let k = 1; k < times.length; k++) {
          if ((times[k - 1] as number) > (times[k] as number)) {
            times.sort((a, b) => a - b);
            break;
          }
        }
      }
    }
    return this.times[f] as number[];
  }

  /** Forgets per-request state (after the stamp counter wraps). */
  reset(): void {
    for (const group of this.groups.values()) group.stamp = 0;
  }
}
