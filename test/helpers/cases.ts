/**
 * Loads the shared golden cases (test/schema/cases.json), the segment library they reference
 * (test/schema/segments.json) and the traits they declare (test/schema/case-traits.json), validating
 * every rule with validateRule. JSON imports, no node:fs: the workerd tests use it too.
 *
 * Case format: `[name, rule, context, now, expected]` where `context` is
 * `{ attributes, events?: [{ name, at: ISO, properties? }], memberships? }` and `now` is ISO 8601.
 */
import { buildCatalogue, type Catalogue, type TraitDefinition } from '../../schema/attributes.js';
import type { AttrValue, EvalContext, EventRecord } from '../../schema/context.js';
import { parseIsoDate } from '../../schema/dates.js';
import type { RuleNode, Scope } from '../../schema/rule.js';
import { validateRule, type SegmentInfo } from '../../schema/validate.js';
import traitsJson from '../schema/case-traits.json';
import casesJson from '../schema/cases.json';
import segmentsJson from '../schema/segments.json';

type Status = SegmentInfo['status'];

/** A context as the case files write it (instants as ISO strings). */
export interface RawContext {
  attributes: Record<string, AttrValue>;
  events?: Array<{ name: string; at: string; properties?: Record<string, AttrValue> }>;
  memberships?: string[];
}

/** One case as the file holds it. */
export type RawCase = [name: string, rule: unknown, context: RawContext, now: string, expected: boolean];

/** One validated golden case. */
export interface GoldenCase {
  name: string;
  /** The rule as written (for coverage checks and messages). */
  json: unknown;
  rule: RuleNode;
  scope: Scope;
  context: EvalContext;
  now: number;
  expected: boolean;
}

/** The validated segment library: what validation and the evaluators know of each slug. */
export interface Library {
  infos: Map<string, SegmentInfo>;
  rules: Map<string, RuleNode>;
}

/** The segment lookup of the reference evaluator. */
export interface ReferenceEnv {
  mode: 'edge' | 'profile';
  segment(slug: string): { rule: RuleNode; scope: Scope; published: boolean } | undefined;
}

/** The traits the cases declare. */
export const caseTraits = traitsJson as unknown as TraitDefinition[];
/** The catalogue built from `caseTraits`. */
export const caseCatalogue: Catalogue = buildCatalogue(caseTraits);
/** The library as written: slug -> { rule, status }. */
export const rawLibrary = segmentsJson as unknown as Record<string, { rule: unknown; status: Status }>;

/**
 * Validates the library to a fixed point, so that every segment's scope reflects the segments it
 * references (the same loop as test/edge/golden.test.ts).
 */
export function validateLibrary(): Library {
  const infos = new Map<string, SegmentInfo>(
    Object.entries(rawLibrary).map(([slug, s]) => [slug, { status: s.status, scope: 'edge', references: [] }]),
  );
  const rules = new Map<string, RuleNode>();
  for (let pass = 0, changed = true; changed && pass < 10; pass++) {
    changed = false;
    for (const [slug, segment] of Object.entries(rawLibrary)) {
      const result = validateRule(segment.rule, caseCatalogue, { segments: infos, selfSlug: slug });
      if (!result.ok) throw new Error(`library segment ${slug} is invalid: ${JSON.stringify(result.errors)}`);
      const before = infos.get(slug);
      if (before?.scope !== result.scope || before.references.join() !== result.references.join()) changed = true;
      infos.set(slug, { status: segment.status, scope: result.scope, references: result.references });
      rules.set(slug, result.rule);
    }
  }
  return { infos, rules };
}

/** The validated library (computed once). */
export const library: Library = validateLibrary();

/**
 * The environment of the reference evaluator over the library, in one mode.
 * @example evaluateRule(rule, ctx, now, env('edge'));
 */
export function env(mode: 'edge' | 'profile', lib: Library = library): ReferenceEnv {
  return {
    mode,
    segment(slug) {
      const info = lib.infos.get(slug);
      const rule = lib.rules.get(slug);
      if (info === undefined || rule === undefined) return undefined;
      return { rule, scope: info.scope, published: info.status === 'published' };
    },
  };
}

/** The published library segments, as compileRuleset takes them (profile-scoped ones included). */
export function publishedSegments(lib: Library = library): Array<{ slug: string; rule: RuleNode; scope: Scope }> {
  const out: Array<{ slug: string; rule: RuleNode; scope: Scope }> = [];
  for (const [slug, info] of lib.infos) {
    const rule = lib.rules.get(slug);
    if (info.status === 'published' && rule !== undefined) out.push({ slug, rule, scope: info.scope });
  }
  return out;
}

/** Turns a context as written into an `EvalContext` (an unparseable instant becomes NaN and fails loudly). */
export function toContext(raw: RawContext): EvalContext {
  const events: EventRecord[] = (raw.events ?? []).map((e) => ({
    name: e.name,
    at: parseIsoDate(e.at) ?? Number.NaN,
    properties: e.properties ?? {},
  }));
  return { attributes: raw.attributes, events, memberships: raw.memberships ?? [] };
}

/** Every golden case, validated against the case catalogue and the library. */
export function loadCases(lib: Library = library): GoldenCase[] {
  const raw = casesJson as unknown as RawCase[];
  return raw.map(([name, json, context, nowText, expected]) => {
    const result = validateRule(json, caseCatalogue, { segments: lib.infos });
    if (!result.ok) throw new Error(`golden case "${name}" is invalid: ${JSON.stringify(result.errors)}`);
    const now = parseIsoDate(nowText);
    if (now === null) throw new Error(`golden case "${name}" has an invalid now: ${nowText}`);
    return { name, json, rule: result.rule, scope: result.scope, context: toContext(context), now, expected };
  });
}
