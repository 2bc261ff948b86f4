/**
 * The in-memory copy of one workspace's profiles and events that exact live counts read
 * (count.ts): one slot per profile version, columns as typed arrays. A changed profile is not
 * patched in place: its slot dies and a new slot holds its new state and all its events, so a slot's
 * rows are always one consistent read of the profile. Slots of the first load are in profile id order
 * (found by binary search on the packed ids); later ones through a small map.
 */
import type { AttrValue } from '../../../schema/context.js';
import { PROFILE_GEO_FIELDS, profileGeo, type StoredProfile } from '../../../schema/profile.js';
import { DictColumn, grownFloat64, grownInt32, grownUint8 } from './columns.js';

/** A profile as the loader reads it; instants in epoch ms, traits as JSON texts per key. */
export interface ProfileRowData {
  id: string;
  createdAt: number;
  email: string | null;
  phone: string | null;
  consentEmail: boolean;
  consentSms: boolean;
  purchaseCount: number;
  purchaseTotal: number;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  avgIntervalDays: number | null;
  address: NonNullable<StoredProfile['address']>;
  seenGeo: NonNullable<StoredProfile['seenGeo']>;
}

/** The events of one name: rows of (slot, instant, property codes per key). */
export class EventTable {
  n = 0;
  slot: Int32Array;
  at: Float64Array;
  readonly props = new Map<string, DictColumn>();
  /** Property codes per key of a properties JSON text seen before: most events repeat a few. */
  private readonly parsed = new Map<string, Array<[DictColumn, number]>>();

  constructor(private capacity = 1024) {
    this.slot = new Int32Array(capacity);
    this.at = new Float64Array(capacity);
  }

  /**
   * The rows [0, grouped) by slot (a counting sort, made on first use and again once a quarter of
   * the rows came later): the rows of slot s are `byRow[bySlot[s] .. bySlot[s + 1])`. Rows added
   * since are scanned in full.
   */
  grouped = 0;
  bySlot = new Int32Array(0);
  byRow = new Int32Array(0);

  groupBySlot(slots: number): void {
    if (this.grouped > 0 && this.n - this.grouped < this.n / 4 && this.bySlot.length >= slots + 1) return;
    const n = this.n;
    const offsets = new Int32Array(slots + 1);
    for (let r = 0; r < n; r++) offsets[this.slot[r]! + 1]!++;
    for (let s = 0; s < slots; s++) offsets[s + 1]! += offsets[s]!;
    const fill = offsets.slice(0, slots);
    const rows = new Int32Array(n);
    for (let r = 0; r < n; r++) rows[fill[this.slot[r]!]!++] = r;
    this.bySlot = offsets;
    this.byRow = rows;
    this.grouped = n;
  }

  add(slot: number, at: number, propertiesJson: string): void {
    if (this.n === this.capacity) {
      this.capacity = Math.ceil(this.capacity * 1.5);
      this.slot = grownInt32(this.slot, this.capacity);
      this.at = grownFloat64(this.at, this.capacity, 0);
      for (const column of this.props.values()) column.grow(this.capacity);
    }
    const row = this.n++;
    this.slot[row] = slot;
    this.at[row] = at;
    let codes = this.parsed.get(propertiesJson);
    if (codes === undefined) {
      const properties = JSON.parse(propertiesJson) as Record<string, AttrValue>;
      codes = Object.keys(properties).map((key) => {
        let column = this.props.get(key);
        if (column === undefined) this.props.set(key, (column = new DictColumn(this.capacity)));
        return [column, column.codeOf(properties[key])];
      });
      // Unique texts (an amount per purchase) are not kept: the map would hold every event.
      if (this.parsed.size < 10_000) this.parsed.set(propertiesJson, codes);
    }
    for (const [column, code] of codes) column.codes[row] = code;
  }
}

const uuidWords = (id: string): [number, number, number, number] => {
  const hex = id.replaceAll('-', '');
  return [0, 8, 16, 24].map((i) => Number.parseInt(hex.slice(i, i + 8), 16) >>> 0) as [number, number, number, number];
};

/** An open-addressing hash of profile ids (4 words each) to slots: 8 bytes a profile, no strings kept. */
class IdIndex {
  private table: Int32Array;
  private mask: number;
  private used = 0;

  constructor(private readonly words: () => Uint32Array, expected: number) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.table = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private position(w: readonly number[]): number {
    const ids = this.words();
    let i = (w[0]! ^ Math.imul(w[3]!, 0x9e3779b1)) & this.mask;
    for (;;) {
      const entry = this.table[i]!;
      if (entry === 0) return i;
      const m = (entry - 1) * 4;
      if (ids[m] === w[0] && ids[m + 1] === w[1] && ids[m + 2] === w[2] && ids[m + 3] === w[3]) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(w: readonly number[]): number {
    return this.table[this.position(w)]! - 1;
  }

  set(w: readonly number[], slot: number): void {
    const i = this.position(w);
    if (this.table[i] === 0) this.used++;
    this.table[i] = slot + 1;
    if (this.used * 2 > this.table.length) this.rehash();
  }

  private rehash(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    const ids = this.words();
    for (const entry of old) {
      if (entry === 0) continue;
      const m = (entry - 1) * 4;
      this.table[this.position([ids[m]!, ids[m + 1]!, ids[m + 2]!, ids[m + 3]!])] = entry;
    }
  }
}

export class ProfileSnapshot {
  /** Slots in use; `live[slot]` is 0 for a profile deleted or superseded by a later slot. */
  size = 0;
  private capacity: number;
  private ids: Uint32Array;
  private readonly index: IdIndex;
  live: Uint8Array;
  purchaseCount: Float64Array;
  purchaseTotal: Float64Array;
  firstPurchaseAt: Float64Array;
  lastPurchaseAt: Float64Array;
  avgIntervalDays: Float64Array;
  createdAt: Float64Array;
  reachableEmail: Uint8Array;
  reachablePhone: Uint8Array;
  readonly traits = new Map<string, DictColumn>();
  /** `geo.*` as the profile evaluator reads it (schema/profile.ts `profileGeo`), by attribute path. */
  readonly geo: ReadonlyMap<string, DictColumn>;
  readonly events = new Map<string, EventTable>();
  /** Live slots (kept as profiles come and go). */
  liveCount = 0;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.ids = new Uint32Array(capacity * 4);
    this.index = new IdIndex(() => this.ids, capacity);
    this.live = new Uint8Array(capacity);
    this.purchaseCount = new Float64Array(capacity);
    this.purchaseTotal = new Float64Array(capacity);
    this.firstPurchaseAt = new Float64Array(capacity);
    this.lastPurchaseAt = new Float64Array(capacity);
    this.avgIntervalDays = new Float64Array(capacity);
    this.createdAt = new Float64Array(capacity);
    this.reachableEmail = new Uint8Array(capacity);
    this.reachablePhone = new Uint8Array(capacity);
    this.geo = new Map(PROFILE_GEO_FIELDS.map(([path]) => [path, new DictColumn(capacity)]));
  }

  private grow(): void {
    const capacity = Math.ceil(this.capacity * 1.5) + 16;
    const ids = new Uint32Array(capacity * 4);
    ids.set(this.ids);
    this.ids = ids;
    this.live = grownUint8(this.live, capacity);
    for (const key of ['purchaseCount', 'purchaseTotal', 'firstPurchaseAt', 'lastPurchaseAt', 'avgIntervalDays', 'createdAt'] as const) {
      this[key] = grownFloat64(this[key], capacity);
    }
    this.reachableEmail = grownUint8(this.reachableEmail, capacity);
    this.reachablePhone = grownUint8(this.reachablePhone, capacity);
    for (const column of [...this.traits.values(), ...this.geo.values()]) column.grow(capacity);
    this.capacity = capacity;
  }

  /** The live slot of a profile, or -1. */
  slotOf(id: string): number {
    const slot = this.index.get(uuidWords(id));
    return slot >= 0 && this.live[slot] ? slot : -1;
  }

  /** Forgets a profile (deleted, or about to be added again in its new state). */
  remove(id: string): void {
    const slot = this.slotOf(id);
    if (slot < 0) return;
    this.live[slot] = 0;
    this.liveCount--;
  }

  /**
   * Adds a profile in a new slot, superseding the one it had. `traits` are JSON texts by key
   * (null: missing).
   */
  add(p: ProfileRowData, traits: ReadonlyMap<string, string | null>): number {
    this.remove(p.id);
    if (this.size === this.capacity) this.grow();
    const slot = this.size++;
    const words = uuidWords(p.id);
    this.ids.set(words, slot * 4);
    this.index.set(words, slot);
    this.live[slot] = 1;
    this.liveCount++;
    this.purchaseCount[slot] = p.purchaseCount;
    this.purchaseTotal[slot] = p.purchaseTotal;
    this.firstPurchaseAt[slot] = p.firstPurchaseAt ?? Number.NaN;
    this.lastPurchaseAt[slot] = p.lastPurchaseAt ?? Number.NaN;
    this.avgIntervalDays[slot] = p.avgIntervalDays ?? Number.NaN;
    this.createdAt[slot] = p.createdAt;
    this.reachableEmail[slot] = p.email !== null && p.email !== '' && p.consentEmail ? 1 : 0;
    this.reachablePhone[slot] = p.phone !== null && p.phone !== '' && p.consentSms ? 1 : 0;
    const geo = profileGeo(p);
    for (const [path, column] of this.geo) column.set(slot, geo[path]);
    for (const [key, text] of traits) {
      if (text === null || text === undefined) continue;
      let column = this.traits.get(key);
      if (column === undefined) this.traits.set(key, (column = new DictColumn(this.capacity)));
      column.codes[slot] = column.codeOfJson(text);
    }
    return slot;
  }

  addEvent(slot: number, name: string, at: number, propertiesJson: string): void {
    let table = this.events.get(name);
    if (table === undefined) this.events.set(name, (table = new EventTable()));
    table.add(slot, at, propertiesJson);
  }

  /** Dead slots: a compaction (a new load) pays once they are many. */
  get deadSlots(): number {
    return this.size - this.liveCount;
  }
}
