/**
 * The edge evaluator's entry points. `prepareRuleset` checks a downloaded ruleset (schema/
 * ruleset-check.ts) and builds, once, everything a request needs (the `Engine` of
 * schema/ruleset-engine.ts: a bitmap index per attribute, shared lazily evaluated conditions and
 * event counts, every rule as a flat branch program); `evaluateRuleset` tags one request with it.
 */
import type { EvalContext } from './context.js';
import { checkRuleset } from './ruleset-check.js';
import { Engine } from './ruleset-engine.js';
import type { RulesetSplit } from './ruleset-types.js';

/**
 * A ruleset ready to evaluate (opaque; build it with `prepareRuleset`).
 * @example const r: PreparedRuleset | null = null;
 */
export interface PreparedRuleset {
  readonly version: string;
  readonly maxPageViewDays: number;
  /** The ruleset's A/B splits as downloaded (checked; empty when it has none). Not used by evaluation. */
  readonly splits: readonly RulesetSplit[];
  /** @internal */
  readonly engine: Engine;
}

/**
 * Validates a ruleset document (as parsed from JSON) and prepares it for evaluation.
 * @example prepareRuleset({ format: 1 }).ok; // false
 */
export function prepareRuleset(json: unknown): { ok: true; ruleset: PreparedRuleset } | { ok: false; errors: string[] } {
  const checked = checkRuleset(json);
  if (!checked.ok) return checked;
  try {
    const engine = new Engine(checked.ruleset);
    const splits = checked.ruleset.splits ?? [];
    return { ok: true, ruleset: { version: engine.version, maxPageViewDays: engine.maxPageViewDays, splits, engine } };
  } catch (error) {
    return { ok: false, errors: [`the ruleset could not be prepared: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/**
 * The slugs of every segment the context belongs to at `now`, in ruleset order: edge segments whose
 * rule holds, and profile-scoped segments named by the context's memberships.
 * @example evaluateRuleset(prepared, buildEdgeContext(request, null, Date.now()), Date.now()); // ['vn-mobile']
 */
export function evaluateRuleset(prepared: PreparedRuleset, ctx: EvalContext, now: number): string[] {
  return prepared.engine.evaluate(ctx, now);
}
