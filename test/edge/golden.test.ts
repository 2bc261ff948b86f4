/**
 * The shared golden cases (test/schema/cases.json) through the compiled edge ruleset, inside
 * workerd. The node loader (test/helpers/cases.ts) reads the files with node:fs, which workerd
 * lacks, so the JSON is imported here and validated with the same validateRule.
 * Only edge-scoped cases run: profile-scoped rules are never evaluated at the edge.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalogue, type TraitDefinition } from '../../schema/attributes.js';
import type { AttrValue, EvalContext, EventRecord } from '../../schema/context.js';
import { parseIsoDate } from '../../schema/dates.js';
import type { RuleNode, Scope } from '../../schema/rule.js';
import { compileRuleset, evaluateRuleset, prepareRuleset } from '../../schema/ruleset.js';
import { validateRule, type SegmentInfo } from '../../schema/validate.js';
import traitsJson from '../schema/case-traits.json';
import casesJson from '../schema/cases.json';
import segmentsJson from '../schema/segments.json';

type Status = SegmentInfo['status'];
interface RawContext {
  attributes: Record<string, AttrValue>;
  events?: Array<{ name: string; at: string; properties?: Record<string, AttrValue> }>;
  memberships?: string[];
}
type RawCase = [name: string, rule: unknown, context: RawContext, now: string, expected: boolean];

const CASE_SLUG = '__golden_case__';
const catalogue = buildCatalogue(traitsJson as TraitDefinition[]);
const library = segmentsJson as Record<string, { rule: unknown; status: Status }>;

/** Validates the library to a fixed point, so every segment's scope reflects those it references. */
function validateLibrary(): { infos: Map<string, SegmentInfo>; rules: Map<string, RuleNode> } {
  const infos = new Map<string, SegmentInfo>(Object.entries(library).map(([slug, s]) => [slug, { status: s.status, scope: 'edge', references: [] }]));
  const rules = new Map<string, RuleNode>();
  for (let pass = 0, changed = true; changed && pass < 10; pass++) {
    changed = false;
    for (const [slug, segment] of Object.entries(library)) {
      const result = validateRule(segment.rule, catalogue, { segments: infos, selfSlug: slug });
      if (!result.ok) throw new Error(`library segment ${slug} is invalid: ${JSON.stringify(result.errors)}`);
      const before = infos.get(slug);
      if (before?.scope !== result.scope || before.references.join() !== result.references.join()) changed = true;
      infos.set(slug, { status: segment.status, scope: result.scope, references: result.references });
      rules.set(slug, result.rule);
    }
  }
  return { infos, rules };
}

function toContext(raw: RawContext): EvalContext {
  const events: EventRecord[] = (raw.events ?? []).map((e) => ({ name: e.name, at: parseIsoDate(e.at) ?? Number.NaN, properties: e.properties ?? {} }));
  return { attributes: raw.attributes, events, memberships: raw.memberships ?? [] };
}

const { infos, rules } = validateLibrary();
const published = [...infos].filter(([, info]) => info.status === 'published');
const cases = (casesJson as unknown as RawCase[]).map(([name, rule, context, now, expected]) => {
  const result = validateRule(rule, catalogue, { segments: infos });
  if (!result.ok) throw new Error(`golden case "${name}" is invalid: ${JSON.stringify(result.errors)}`);
  return { name, rule: result.rule, scope: result.scope as Scope, context: toContext(context), now: parseIsoDate(now) ?? Number.NaN, expected };
});
const edgeCases = cases.filter((c) => c.scope === 'edge');

describe('golden cases through the compiled edge ruleset (workerd)', () => {
  it('has edge cases to run', () => {
    expect(edgeCases.length).toBeGreaterThan(50);
  });

  for (const c of edgeCases) {
    it(c.name, () => {
      const segments = published.map(([slug, info]) => ({ slug, rule: rules.get(slug) as RuleNode, scope: info.scope }));
      segments.push({ slug: CASE_SLUG, rule: c.rule, scope: 'edge' });
      // Through JSON, as the Worker receives it from the API.
      const prepared = prepareRuleset(JSON.parse(JSON.stringify(compileRuleset(segments, { version: 'golden' }))));
      if (!prepared.ok) throw new Error(prepared.errors.join('; '));
      expect(evaluateRuleset(prepared.ruleset, c.context, c.now).includes(CASE_SLUG)).toBe(c.expected);
    });
  }
});
