/**
 * Growable typed columns of the in-memory profile copy (snapshot.ts). JSON values (traits, event
 * properties) are dictionary-encoded: a row holds a code, the dictionary the distinct values, so a
 * condition is evaluated once per distinct value (by the reference evaluator: the same semantics by
 * construction) and then looked up per row. Code 0 is "missing".
 */
import type { AttrValue } from '../../../schema/context.js';

export function grownFloat64(a: Float64Array, capacity: number, fill = Number.NaN): Float64Array {
  const b = new Float64Array(capacity);
  b.set(a);
  b.fill(fill, a.length);
  return b;
}

export function grownInt32(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

export function grownUint8(a: Uint8Array, capacity: number): Uint8Array {
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}

/** The dictionary key of a JSON value: its JSON type and text (so 1 and "1" stay apart). */
function keyOf(value: AttrValue): string {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'boolean':
      return value ? 'T' : 'F';
    default:
      return `j${JSON.stringify(value)}`;
  }
}

/** A dictionary-encoded JSON column; `values[0]` is undefined (missing). */
export class DictColumn {
  codes: Int32Array;
  readonly values: AttrValue[] = [undefined];
  private readonly lookup = new Map<string, number>();
  private readonly numbers = new Map<number, number>();

  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }

  /** The code of `value` (null and undefined are missing, as JSON null is in SQL). */
  codeOf(value: AttrValue): number {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number') {
      // Numbers by value (no key string per distinct amount); -0 is 0 as in JSON text.
      let code = this.numbers.get(value);
      if (code === undefined) {
        code = this.values.length;
        this.values.push(value);
        this.numbers.set(value, code);
      }
      return code;
    }
    const key = keyOf(value);
    let code = this.lookup.get(key);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.lookup.set(key, code);
    }
    return code;
  }

  /** The code of a value given as JSON text, parsing only texts not seen before. */
  codeOfJson(text: string | null): number {
    if (text === null) return 0;
    const known = this.lookup.get(`t${text}`);
    if (known !== undefined) return known;
    const code = this.codeOf(JSON.parse(text) as AttrValue);
    this.lookup.set(`t${text}`, code);
    return code;
  }

  set(row: number, value: AttrValue): void {
    this.codes[row] = this.codeOf(value);
  }

  grow(capacity: number): void {
    this.codes = grownInt32(this.codes, capacity);
  }

  /** `test` of every distinct value, as a table indexed by code. */
  table(test: (value: AttrValue) => boolean): Uint8Array {
    const out = new Uint8Array(this.values.length);
    for (let code = 0; code < out.length; code++) out[code] = test(this.values[code]) ? 1 : 0;
    return out;
  }
}
