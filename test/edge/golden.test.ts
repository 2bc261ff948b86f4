/**
 * The shared golden cases (test/schema/cases.json) through the compiled edge ruleset, inside
 * workerd, loaded and validated by the same loader as the node tests (test/helpers/cases.ts).
 * Only edge-scoped cases run: profile-scoped rules are never evaluated at the edge.
 */
import { describe, expect, it } from 'vitest';
import { compileRuleset, evaluateRuleset, prepareRuleset } from '../../schema/ruleset.js';
import { loadCases, publishedSegments } from '../helpers/cases.js';

const CASE_SLUG = '__golden_case__';
const edgeCases = loadCases().filter((c) => c.scope === 'edge');

describe('golden cases through the compiled edge ruleset (workerd)', () => {
  it('has edge cases to run', () => {
    expect(edgeCases.length).toBeGreaterThan(50);
  });

  for (const c of edgeCases) {
    it(c.name, () => {
      const segments = [...publishedSegments(), { slug: CASE_SLUG, rule: c.rule, scope: 'edge' as const }];
      // Through JSON, as the Worker receives it from the API.
      const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(segments, { version: 'golden' }))));
      if (!prepared.ok) throw new Error(prepared.errors.join('; '));
      expect(evaluateRuleset(prepared.ruleset, c.context, c.now).includes(CASE_SLUG)).toBe(c.expected);
    });
  }
});
