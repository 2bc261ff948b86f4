/**
 * The five evaluators the bench compares, each as "tags of request i" and "one timed pass over the
 * first n requests". Everything per-rule (translation, compilation) and per-request context shape
 * (EvalContext, the competitors' flat objects) is built before timing.
 */
import { evalCondition, type ConditionInterface } from '@growthbook/growthbook';
import type { EvalContext } from '../schema/context.js';
import { evaluateRule } from '../schema/reference.js';
import { evaluateRuleset, type PreparedRuleset, type SegmentDefinition } from '../schema/ruleset.js';
import { toFlatContext, type FlatContext } from './rules-contexts.js';
import { CountAttributes } from './rules-counts.js';
import { toGrowthBook } from './rules-growthbook.js';
import { applyJsonLogic, registerJsonLogicOperations, toJsonLogic } from './rules-jsonlogic.js';

export interface Evaluator {
  name: string;
  /** Requests it is timed on (the slow ones run on a prefix of the contexts). */
  requests: number;
  tags(i: number): string[];
  /** Evaluates every segment for requests 0 .. requests-1; returns the number of tags (a sink). */
  pass(): number;
}

function fromPredicates(name: string, requests: number, slugs: readonly string[], test: (segment: number, request: number) => boolean): Evaluator {
  const tags = (i: number): string[] => {
    const out: string[] = [];
    for (let s = 0; s < slugs.length; s++) if (test(s, i)) out.push(slugs[s] as string);
    return out;
  };
  return {
    name,
    requests,
    tags,
    pass() {
      let n = 0;
      for (let i = 0; i < requests; i++) n += tags(i).length;
      return n;
    },
  };
}

export interface EvaluatorSetup {
  evaluators: Evaluator[];
  /** Distinct page-view counts that GrowthBook cannot express (read through the shared count attributes). */
  countAttributes: number;
  /** Segments with such a count. */
  segmentsWithCounts: number;
}

export function buildEvaluators(
  definitions: readonly SegmentDefinition[],
  prepared: PreparedRuleset,
  contexts: readonly EvalContext[],
  slowRequests: number,
  now: number,
): EvaluatorSetup {
  const slugs = definitions.map((d) => d.slug);
  const rules = definitions.map((d) => d.rule);
  const counts = new CountAttributes();
  const growthbook: ConditionInterface[] = [];
  let segmentsWithCounts = 0;
  for (const rule of rules) {
    const translated = toGrowthBook(rule, now, counts);
    growthbook.push(translated);
    if (JSON.stringify(translated).includes('"counts.')) segmentsWithCounts++;
  }
  registerJsonLogicOperations();
  const jsonLogicNative = rules.map((rule) => toJsonLogic(rule, now, null));
  const jsonLogicCounts = rules.map((rule) => toJsonLogic(rule, now, counts));
  const flats: FlatContext[] = contexts.slice(0, slowRequests).map((ctx) => {
    const flat = toFlatContext(ctx);
    counts.attach(flat);
    return flat;
  });
  const flat = (i: number): FlatContext => flats[i] as FlatContext;
  const context = (i: number): EvalContext => contexts[i] as EvalContext;
  const env = { mode: 'edge' as const, segment: () => undefined };

  const ours: Evaluator = {
    name: 'audience-edge evaluateRuleset',
    requests: contexts.length,
    tags: (i) => evaluateRuleset(prepared, context(i), now),
    pass() {
      let n = 0;
      for (const ctx of contexts) n += evaluateRuleset(prepared, ctx, now).length;
      return n;
    },
  };
  return {
    evaluators: [
      ours,
      fromPredicates('reference evaluateRule', slowRequests, slugs, (s, i) => evaluateRule(rules[s]!, context(i), now, env)),
      fromPredicates('GrowthBook evalCondition', slowRequests, slugs, (s, i) => evalCondition(flat(i), growthbook[s]!)),
      fromPredicates('json-logic-js (native counts)', slowRequests, slugs, (s, i) => applyJsonLogic(jsonLogicNative[s]!, flat(i))),
      fromPredicates('json-logic-js (shared counts)', slowRequests, slugs, (s, i) => applyJsonLogic(jsonLogicCounts[s]!, flat(i))),
    ],
    countAttributes: counts.size,
    segmentsWithCounts,
  };
}
