/**
 * Property: the one-pass recompute (refreshSegments: every segment evaluated per profile, event
 * counts grouped once, one diff per chunk of profiles) leaves exactly what refreshSegment leaves
 * when run on each segment alone: the same members with the same joined_at, and the same size
 * history. Random profile-scoped rules over random stored profiles and their events, segments
 * referencing other dynamic segments and a static list, several instants in a row (members join
 * and leave), chunks of random small sizes (ranges that split the profiles anywhere). On PGlite
 * and PostgreSQL; FC_RUNS asks for more, FC_SEED replays one.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../../api/db/index.js';
import type { PublishedDefinition, PublishedDefinitions } from '../../../api/segments/definitions.js';
import { refreshSegment, refreshSegments } from '../../../api/segments/membership.service.js';
import { segmentMembers, segments, segmentSizeHistory } from '../../../drizzle/index.js';
import { buildCatalogue } from '../../../schema/attributes.js';
import type { RuleNode } from '../../../schema/rule.js';
import { validateRule } from '../../../schema/validate.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { CORNER_SUBJECTS, PROPERTY_TRAITS, ruleJsonArb, subjectArb } from '../../helpers/profile-arbitraries.js';
import { createWorkspace, storeSubjects } from '../../helpers/sql-subjects.js';

const RUNS = Math.max(25, Number(process.env.FC_RUNS) || 0);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const DAY = 86_400_000;

const catalogue = buildCatalogue(PROPERTY_TRAITS);
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const subjects = [...CORNER_SUBJECTS, ...fc.sample(subjectArb, { numRuns: 40, seed: SEED })].map((s) => ({
  profile: { ...s.profile, traits: roundTrip(s.profile.traits) },
  events: s.events.map((e) => ({ ...e, properties: roundTrip(e.properties) })),
}));

const ruleArb: fc.Arbitrary<RuleNode> = ruleJsonArb
  .map((json) => validateRule(json, catalogue, { segments: new Map() }))
  .filter((r) => r.ok && r.scope === 'profile')
  .map((r) => (r.ok ? r.rule : { kind: 'any', rules: [] }));

/**
 * A set of segments: `rules` of their own, and rules that reference an earlier segment of the set
 * (`ref`: its index, -1 the static list), alone, under `not`, or with a rule of their own.
 */
const caseArb = fc.record({
  rules: fc.array(ruleArb, { minLength: 2, maxLength: 6 }),
  refs: fc.array(fc.record({ ref: fc.integer({ min: -1, max: 5 }), shape: fc.constantFrom('alone', 'not', 'all', 'any'), own: ruleArb }), { maxLength: 3 }),
  staticMembers: fc.array(fc.boolean(), { minLength: subjects.length, maxLength: subjects.length }),
  instants: fc.array(fc.integer({ min: -3 * DAY, max: 40 * DAY }), { minLength: 1, maxLength: 3 }),
  chunk: fc.integer({ min: 1, max: 80 }),
});

describeEachDatabase('one-pass recompute equals refreshSegment on each segment', (suite) => {
  let workspaceId = '';
  let ids: string[] = [];

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db, 'recompute-property');
    ids = await storeSubjects(suite.db, workspaceId, subjects);
  });

  /** Segment rows (the size history refers to them) and their definitions, slugs `${prefix}<i>`. */
  async function definitionsFor(prefix: string, rules: readonly RuleNode[], staticProfiles: readonly string[]): Promise<{ defs: PublishedDefinitions; dynamic: PublishedDefinition[] }> {
    const rows = await suite.db
      .insert(segments)
      .values([...rules.map((_, i) => ({ workspaceId, slug: `${prefix}${i}-${randomUUID()}`, name: 'x', type: 'dynamic' as const })), { workspaceId, slug: `${prefix}list-${randomUUID()}`, name: 'x', type: 'static' as const }])
      .returning({ id: segments.id, slug: segments.slug });
    const list = rows.at(-1)!;
    if (staticProfiles.length > 0) await suite.db.insert(segmentMembers).values(staticProfiles.map((profileId) => ({ segmentId: list.id, profileId, workspaceId })));
    const slugOf = (ref: string) => (ref === 'list' ? list.slug : rows[Number(ref)]!.slug);
    const resolve = (rule: RuleNode): RuleNode => {
      switch (rule.kind) {
        case 'segment':
          return { kind: 'segment', slug: slugOf(rule.slug) };
        case 'all':
        case 'any':
          return { kind: rule.kind, rules: rule.rules.map(resolve) };
        case 'not':
          return { kind: 'not', rule: resolve(rule.rule) };
        default:
          return rule;
      }
    };
    const dynamic: PublishedDefinition[] = rules.map((rule, i) => ({ id: rows[i]!.id, slug: rows[i]!.slug, type: 'dynamic', scope: 'profile', version: 1, rule: resolve(rule) }));
    const all: PublishedDefinition[] = [...dynamic, { id: list.id, slug: list.slug, type: 'static', scope: 'profile', version: 1, rule: { kind: 'any', rules: [] } }];
    return { defs: { byId: new Map(all.map((d) => [d.id, d])), bySlug: new Map(all.map((d) => [d.slug, d])) }, dynamic };
  }

  /** What a segment holds: its members with their joined_at, and its size history. */
  async function stateOf(db: Database, segmentId: string) {
    const members = await db.select({ p: segmentMembers.profileId, at: segmentMembers.joinedAt }).from(segmentMembers).where(eq(segmentMembers.segmentId, segmentId)).orderBy(asc(segmentMembers.profileId));
    const history = await db.select({ at: segmentSizeHistory.at, size: segmentSizeHistory.size }).from(segmentSizeHistory).where(eq(segmentSizeHistory.segmentId, segmentId)).orderBy(asc(segmentSizeHistory.seq));
    return { members: members.map((m) => `${m.p}@${m.at.toISOString()}`), history: history.map((h) => `${h.size}@${h.at.toISOString()}`) };
  }

  it(`on ${RUNS} random segment sets, instants and chunk sizes`, { timeout: 600_000 }, async () => {
    let compared = 0;
    let members = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        // Rules as placeholders: a reference's slug is the index of its target ('list' for the static one).
        const rules: RuleNode[] = [...c.rules];
        for (const r of c.refs) {
          const target: RuleNode = { kind: 'segment', slug: r.ref < 0 ? 'list' : String(Math.min(r.ref, rules.length - 1)) };
          rules.push(r.shape === 'alone' ? target : r.shape === 'not' ? { kind: 'not', rule: target } : { kind: r.shape, rules: [target, r.own] });
        }
        const listed = ids.filter((_, i) => c.staticMembers[i]);
        const perSegment = await definitionsFor('a', rules, listed);
        const onePass = await definitionsFor('b', rules, listed);
        for (const offset of c.instants) {
          const now = NOW + offset;
          for (const d of perSegment.dynamic) await refreshSegment(suite.db, workspaceId, d.id, now, perSegment.defs);
          const sizes = await refreshSegments(suite.db, workspaceId, onePass.dynamic.map((d) => d.id), now, onePass.defs, { chunkProfiles: c.chunk, onePassFrom: 1 });
          for (const [i, a] of perSegment.dynamic.entries()) {
            const b = onePass.dynamic[i]!;
            const [expected, actual] = [await stateOf(suite.db, a.id), await stateOf(suite.db, b.id)];
            expect(actual, `segment ${i} ${JSON.stringify(rules[i])} at ${new Date(now).toISOString()}, chunks of ${c.chunk} (seed ${SEED})`).toEqual(expected);
            expect(sizes.get(b.id)).toBe(expected.members.length);
            members += expected.members.length;
            compared++;
          }
        }
        await suite.db.delete(segments).where(inArray(segments.id, [...perSegment.defs.byId.keys(), ...onePass.defs.byId.keys()]));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`[${suite.kind}] seed ${SEED}: ${compared} segment states compared, ${members} memberships`);
    // Not won by empty segments: memberships were compared.
    expect(members).toBeGreaterThan(0);
  });
});
