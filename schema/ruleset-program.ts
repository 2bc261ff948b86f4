/**
 * Rules of a prepared ruleset as one flat branch program, interpreted in a loop (no closures, no
 * recursion within a rule, no code generated from strings). Every leaf of a rule (a condition, an
 * event count, a segment reference) is one instruction `pc` with two successors: `onTrue[pc]` and
 * `onFalse[pc]`, each another instruction or ACCEPT / REJECT. `and` chains its parts through their
 * true exits, `or` through their false exits, `not` swaps the exits: each leaf appears once, and
 * evaluation short-circuits exactly as the rule reads.
 *
 * Conjuncts of an `and` are reordered cheapest first (indexed conditions, then other conditions,
 * then groups, event counts and segment references), which changes no result: leaves are pure.
 */
import type { Expr, RulesetSegment } from './ruleset-types.js';

/**
 * Leaf kinds, in the low two bits of an instruction (the operand is the rest): an indexed condition
 * (marked by the index lookups), another condition, an event count, a segment reference.
 * @example (7 << 2) | LEAF_COUNT; // the instruction "event count 7"
 */
export const LEAF_INDEXED = 0;
/** @example (3 << 2) | LEAF_CONDITION; // "condition 3", tested lazily */
export const LEAF_CONDITION = 1;
/** @example (7 << 2) | LEAF_COUNT; // "event count 7" */
export const LEAF_COUNT = 2;
/** @example (2 << 2) | LEAF_SEGMENT; // "segment 2 holds" */
export const LEAF_SEGMENT = 3;
/**
 * Exits of a rule: where a rule goes when it holds, and when it does not.
 * @example new ProgramBuilder(() => false).emit(true, ACCEPT, REJECT) === ACCEPT; // true
 */
export const ACCEPT = -1;
/** @example new ProgramBuilder(() => false).emit(false, ACCEPT, REJECT) === REJECT; // true */
export const REJECT = -2;


/**
 * The instructions of every rule of a ruleset; `indexed(c)` tells whether condition `c` is indexed.
 * @example
 * const p = new ProgramBuilder(() => false);
 * const entry = p.emit(['and', ['c', 0], ['e', 1]], ACCEPT, REJECT); // an instruction index
 */
export class ProgramBuilder {
  readonly code: number[] = [];
  readonly onTrue: number[] = [];
  readonly onFalse: number[] = [];

  constructor(private readonly indexed: (cond: number) => boolean) {}

  /** Estimated work of evaluating `expr` (for ordering conjuncts). */
  cost(expr: Expr): number {
    if (typeof expr === 'boolean') return 0;
    switch (expr[0]) {
      case 'c':
        return this.indexed(expr[1]) ? 1 : 4;
      case 'e':
        return 12;
      case 's':
        return 40;
      case 'not':
        return this.cost(expr[1]);
      default: {
        let sum = 0;
        for (let k = 1; k < expr.length; k++) sum += this.cost(expr[k] as Expr);
        return sum;
      }
    }
  }

  /** The conjuncts of `expr` (itself when not an `and`), cheapest first (a stable sort). */
  conjuncts(expr: Expr): Expr[] {
    if (!Array.isArray(expr) || expr[0] !== 'and') return [expr];
    const terms = expr.slice(1) as Expr[];
    const costs = terms.map((term) => this.cost(term));
    const order = terms.map((_, i) => i).sort((a, b) => (costs[a] as number) - (costs[b] as number) || a - b);
    return order.map((i) => terms[i] as Expr);
  }

  private leaf(instruction: number, t: number, f: number): number {
    this.code.push(instruction);
    this.onTrue.push(t);
    this.onFalse.push(f);
    return this.code.length - 1;
  }

  /** Emits `expr` so that it continues at `t` when it holds and at `f` otherwise; its entry. */
  emit(expr: Expr, t: number, f: number): number {
    if (typeof expr === 'boolean') return expr ? t : f;
    switch (expr[0]) {
      case 'c':
        return this.leaf((expr[1] << 2) | (this.indexed(expr[1]) ? LEAF_INDEXED : LEAF_CONDITION), t, f);
      case 'e':
        return this.leaf((expr[1] << 2) | LEAF_COUNT, t, f);
      case 's':
        return this.leaf((expr[1] << 2) | LEAF_SEGMENT, t, f);
      case 'not':
        return this.emit(expr[1], f, t);
      case 'and':
        return this.chain(this.conjuncts(expr), t, f, true);
      case 'or':
        return this.chain(expr.slice(1) as Expr[], t, f, false);
    }
  }

  /** Emits `and` (each part continues to the next on true) or `or` (on false) of `parts`. */
  chain(parts: readonly Expr[], t: number, f: number, isAnd: boolean): number {
    let next = isAnd ? t : f;
    for (let k = parts.length - 1; k >= 0; k--) {
      next = isAnd ? this.emit(parts[k] as Expr, next, f) : this.emit(parts[k] as Expr, t, next);
    }
    return next;
  }
}

/**
 * The rules of a ruleset laid out for the evaluator: per segment its entry, its required indexed
 * conditions (top-level conjuncts, placed first) and the instruction after them, where a segment
 * known to satisfy them (through the index bitsets) starts.
 * @example layoutRules([{ slug: 'a', scope: 'edge', rule: ['c', 0] }], 1, () => true).required; // [[0]]
 */
export interface RuleLayout {
  code: Int32Array;
  onTrue: Int32Array;
  onFalse: Int32Array;
  /** Per segment: where its rule starts (REJECT for profile-scoped or never-true rules). */
  entry: Int32Array;
  /** Per segment: where its rule goes on once its required indexed conditions hold. */
  afterRequired: Int32Array;
  /** Per segment: its required indexed conditions; null when it is not an edge rule that can hold. */
  required: Array<number[] | null>;
  /** Per segment: its forbidden indexed conditions (negated top-level conjuncts, also placed first). */
  forbidden: number[][];
  /**
   * Per segment: the indexed conditions of its clause (an `or` of them) or null; `clauseKind` 1 when
   * one of them must hold (a conjunct, skipped by `afterRequired`), 2 when the rule left after the
   * required part is that clause or the event count `clauseCount`.
   */
  clauses: Array<number[] | null>;
  clauseKind: Uint8Array;
  clauseCount: Int32Array;
  /** Per condition: 1 when an instruction that can run reads it (indexed ones must then be marked). */
  read: Uint8Array;
  /** Whether any rule references a segment (else no segment's value is needed twice in a request). */
  references: boolean;
}

/** `[condition, true]` for a conjunct that is an indexed condition, `[condition, false]` for a negated one; else null. */
function requiredLiteral(term: Expr, indexed: (cond: number) => boolean): [number, boolean] | null {
  if (!Array.isArray(term)) return null;
  if (term[0] === 'c') return indexed(term[1]) ? [term[1], true] : null;
  if (term[0] !== 'not') return null;
  const inner = term[1];
  return Array.isArray(inner) && inner[0] === 'c' && indexed(inner[1]) ? [inner[1], false] : null;
}

interface ClauseOf {
  expr: Expr;
  conditions: number[];
  count: number | null;
}

/**
 * An `or` of indexed conditions (and, when `withCount`, possibly one event count), else null.
 */
function clauseOf(term: Expr, indexed: (cond: number) => boolean, withCount: boolean): ClauseOf | null {
  if (!Array.isArray(term) || term[0] !== 'or') return null;
  const conditions: number[] = [];
  let count: number | null = null;
  for (const part of term.slice(1) as Expr[]) {
    if (Array.isArray(part) && part[0] === 'c' && indexed(part[1])) conditions.push(part[1]);
    else if (withCount && count === null && Array.isArray(part) && part[0] === 'e') count = part[1];
    else return null;
  }
  return conditions.length > 0 ? { expr: term, conditions, count } : null;
}

/**
 * Lays out every rule of `segments` (see `RuleLayout`).
 * @example layoutRules([], 0, () => false).code.length; // 0
 */
export function layoutRules(segments: readonly RulesetSegment[], conditions: number, indexed: (cond: number) => boolean): RuleLayout {
  const program = new ProgramBuilder(indexed);
  const entry = new Int32Array(segments.length).fill(REJECT);
  const afterRequired = new Int32Array(segments.length).fill(REJECT);
  const required: Array<number[] | null> = segments.map(() => null);
  const forbidden: number[][] = segments.map(() => []);
  const clauses: Array<number[] | null> = segments.map(() => null);
  const clauseKind = new Uint8Array(segments.length);
  const clauseCount = new Int32Array(segments.length).fill(-1);
  /** Per edge segment: its instructions `[start, end)` and those of its required prefix. */
  const spans: Array<[start: number, end: number, prefix: Set<number>]> = [];
  const referenced = new Set<number>();
  segments.forEach((segment, s) => {
    if (segment.scope !== 'edge' || segment.rule === undefined) return;
    const terms = program.conjuncts(segment.rule);
    const literals = terms.map((term) => requiredLiteral(term, indexed));
    const prefix = terms.filter((_, k) => literals[k] !== null);
    let rest = terms.filter((_, k) => literals[k] === null);
    const start = program.code.length;
    const leaves = new Set<number>();
    // A conjunct `or` of indexed conditions is checked through the index too (a required clause),
    // unless it is the only thing left and also holds through one event count (`or` with a count).
    let clause: ClauseOf | null = null;
    let clauseMode: 0 | 1 | 2 = 0;
    if (rest.length === 1) clause = clauseOf(rest[0] as Expr, indexed, true);
    if (clause !== null && clause.count !== null) clauseMode = 2;
    else {
      const at = rest.findIndex((term) => clauseOf(term, indexed, false) !== null);
      clause = at >= 0 ? clauseOf(rest[at] as Expr, indexed, false) : null;
      if (clause !== null) {
        clauseMode = 1;
        const folded = rest[at] as Expr;
        rest = rest.filter((term) => term !== folded);
      }
    }
    let next = program.chain(rest, ACCEPT, REJECT, true);
    const afterClause = next;
    if (clauseMode === 1) {
      const from = program.code.length;
      next = program.emit(clause?.expr as Expr, next, REJECT);
      for (let pc = from; pc < program.code.length; pc++) leaves.add(pc);
    }
    const pc = program.chain(prefix, next, REJECT, true);
    const positive: number[] = [];
    const negative: number[] = [];
    let after = pc;
    for (const literal of literals) {
      if (literal === null) continue;
      const [cond, holds] = literal;
      leaves.add(after);
      (holds ? positive : negative).push(cond);
      after = (holds ? program.onTrue[after] : program.onFalse[after]) as number;
    }
    spans[s] = [start, program.code.length, leaves];
    if (pc === REJECT) return;
    entry[s] = pc;
    afterRequired[s] = clauseMode === 1 ? afterClause : after;
    required[s] = positive;
    forbidden[s] = negative;
    if (clause !== null) {
      clauses[s] = clause.conditions;
      clauseKind[s] = clauseMode;
      if (clause.count !== null) clauseCount[s] = clause.count;
    }
  });
  const read = new Uint8Array(conditions);
  const { code } = program;
  for (let pc = 0; pc < code.length; pc++) if (((code[pc] as number) & 3) === LEAF_SEGMENT) referenced.add((code[pc] as number) >> 2);
  spans.forEach(([start, end, prefix], s) => {
    for (let pc = start; pc < end; pc++) {
      const op = code[pc] as number;
      if ((op & 3) !== LEAF_INDEXED) continue;
      if (referenced.has(s) || !prefix.has(pc)) read[op >> 2] = 1;
    }
  });
  return {
    code: Int32Array.from(code),
    onTrue: Int32Array.from(program.onTrue),
    onFalse: Int32Array.from(program.onFalse),
    entry,
    afterRequired,
    required,
    forbidden,
    clauses,
    clauseKind,
    clauseCount,
    read,
    references: referenced.size > 0,
  };
}
