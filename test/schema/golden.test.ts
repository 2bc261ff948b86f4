/**
 * The golden cases (cases.json, expected values worked out by hand from CONTRACT.md section 1)
 * through the reference evaluator in both modes and, for edge-scoped rules, through the compiled
 * edge ruleset after a JSON round trip (as the Worker receives it).
 */
import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../schema/reference.js';
import { OPERATORS, type RuleNode } from '../../schema/rule.js';
import { compileRuleset, evaluateRuleset, prepareRuleset } from '../../schema/ruleset.js';
import { env, library, loadCases, publishedSegments } from '../helpers/cases.js';

const CASE_SLUG = '__golden_case__';
const cases = loadCases();
const edgeCases = cases.filter((c) => c.scope === 'edge');

function walk(rule: RuleNode, visit: (node: RuleNode) => void): void {
  visit(rule);
  if (rule.kind === 'all' || rule.kind === 'any') for (const r of rule.rules) walk(r, visit);
  else if (rule.kind === 'not') walk(rule.rule, visit);
  else if (rule.kind === 'event') for (const w of rule.where) visit(w);
}

describe('golden case files', () => {
  it('has at least 150 cases with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('uses every operator, on attributes and inside event where', () => {
    const used = new Set<string>();
    const kinds = new Set<string>();
    for (const c of cases) {
      walk(c.rule, (node) => {
        kinds.add(node.kind);
        if (node.kind === 'condition') used.add(node.op);
      });
    }
    expect([...OPERATORS].filter((op) => !used.has(op))).toEqual([]);
    expect([...kinds].sort()).toEqual(['all', 'any', 'condition', 'event', 'not', 'segment']);
  });

  it('covers both scopes and both outcomes', () => {
    expect(edgeCases.length).toBeGreaterThan(100);
    expect(cases.some((c) => c.scope === 'profile')).toBe(true);
    expect(cases.some((c) => c.expected) && cases.some((c) => !c.expected)).toBe(true);
  });

  it('has a library with edge, profile, draft and archived segments', () => {
    const infos = [...library.infos.values()];
    expect(infos.some((i) => i.scope === 'edge' && i.status === 'published')).toBe(true);
    expect(infos.some((i) => i.scope === 'profile' && i.status === 'published')).toBe(true);
    expect(infos.some((i) => i.status === 'draft')).toBe(true);
    expect(infos.some((i) => i.status === 'archived')).toBe(true);
  });
});

describe('golden cases: reference evaluator, profile mode', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(evaluateRule(c.rule, c.context, c.now, env('profile'))).toBe(c.expected);
    });
  }
});

describe('golden cases: reference evaluator, edge mode', () => {
  for (const c of edgeCases) {
    it(c.name, () => {
      expect(evaluateRule(c.rule, c.context, c.now, env('edge'))).toBe(c.expected);
    });
  }
});

describe('golden cases: compiled edge ruleset after a JSON round trip', () => {
  const library = publishedSegments();
  for (const c of edgeCases) {
    it(c.name, () => {
      const segments = [...library, { slug: CASE_SLUG, rule: c.rule, scope: c.scope }];
      const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(segments, { version: 'golden' }))));
      if (!prepared.ok) throw new Error(prepared.errors.join('; '));
      expect(evaluateRuleset(prepared.ruleset, c.context, c.now).includes(CASE_SLUG)).toBe(c.expected);
    });
  }

  it('evaluates the whole library at once consistently with the reference evaluator', () => {
    const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(library, { version: 'golden-all' }))));
    if (!prepared.ok) throw new Error(prepared.errors.join('; '));
    const edgeSlugs = library.filter((s) => s.scope === 'edge').map((s) => s.slug);
    for (const c of edgeCases) {
      // Only edge segments are compared: whether profile-scoped memberships are echoed as tags is not fixed here.
      const tags = evaluateRuleset(prepared.ruleset, c.context, c.now).filter((slug) => edgeSlugs.includes(slug));
      const expected = edgeSlugs.filter((slug) => evaluateRule({ kind: 'segment', slug }, c.context, c.now, env('edge')));
      expect({ name: c.name, tags: [...tags].sort() }).toEqual({ name: c.name, tags: [...expected].sort() });
    }
  });
});
