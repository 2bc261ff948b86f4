/**
 * The shared golden cases through the SQL profile evaluator, on PGlite and PostgreSQL: every case
 * whose subject can be stored as a profile (profile attributes, geo.* as a stored address or last
 * seen edge geography, events) must evaluate in SQL exactly as the case file says.
 */
import { beforeAll, expect, it } from 'vitest';
import { env, library, loadCases } from '../../helpers/cases.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { attributePaths, storedProfileFor } from '../../helpers/profile-fixtures.js';
import { createWorkspace, matchingInSql, storeSubjects } from '../../helpers/sql-subjects.js';
import type { RuleNode } from '../../../schema/rule.js';
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { profileEvaluationSql } from '../../../api/segments/membership.service.js';
import { recomputeMemberships } from '../../../api/segments/recompute.js';
import { segmentMembers } from '../../../drizzle/index.js';
import type { PublishedDefinition } from '../../../api/segments/definitions.js';
import { matchingSlots } from '../../../api/segments/preview/count.js';
import { loadSnapshot, unwatch } from '../../../api/segments/preview/load.js';

/** Attribute paths of a rule and of every library segment it references. */
function pathsWithReferences(rule: RuleNode, seen = new Set<string>()): Set<string> {
  const paths = attributePaths(rule);
  const visit = (node: RuleNode): void => {
    if (node.kind === 'segment' && !seen.has(node.slug)) {
      seen.add(node.slug);
      const target = library.rules.get(node.slug);
      if (target) for (const p of pathsWithReferences(target, seen)) paths.add(p);
    } else if (node.kind === 'all' || node.kind === 'any') node.rules.forEach(visit);
    else if (node.kind === 'not') visit(node.rule);
  };
  visit(rule);
  return paths;
}

// Every case whose subject can be stored: profile-scoped ones, and edge-scoped ones that read only
// what a profile has too (geo.*, events); the reference's profile mode gives them the same verdict.
const cases = loadCases()
  .map((c) => ({ ...c, profile: storedProfileFor(c.context, pathsWithReferences(c.rule), c.now) }))
  .filter((c) => c.profile !== null && c.context.events.every((e) => Number.isFinite(e.at)));

const reference = env('profile');
/** Library segments as the SQL compiler resolves references: published dynamic ones only. */
const segment = (slug: string) => {
  const found = reference.segment(slug);
  return found?.published ? { id: `library-${slug}`, type: 'dynamic' as const, rule: found.rule } : undefined;
};

/** The same library as published definitions, for the per-profile query of refreshProfiles. */
const published = new Map<string, PublishedDefinition>();
for (const slug of library.rules.keys()) {
  const found = segment(slug);
  if (found) published.set(slug, { ...found, slug, scope: 'profile', version: 1 });
}

it('has profile-scoped golden cases that can be stored, geography among them', () => {
  expect(cases.filter((c) => c.scope === 'profile').length).toBeGreaterThanOrEqual(40);
  expect(cases.filter((c) => c.scope === 'profile' && [...attributePaths(c.rule)].some((p) => p.startsWith('geo.'))).length).toBeGreaterThanOrEqual(20);
});

describeEachDatabase('golden cases in SQL', (suite) => {
  let workspaceId = '';
  let ids: string[] = [];
  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db);
    ids = await storeSubjects(suite.db, workspaceId, cases.map((c) => ({ profile: c.profile!, events: c.context.events })));
  });

  it('evaluates every storable profile-scoped case as the case file says', async () => {
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const id = ids[i] as string;
      const matched = await matchingInSql(suite.db, workspaceId, [id], c.rule, c.now, segment);
      if (matched.has(id) !== c.expected) failures.push(`${c.name}: expected ${c.expected}`);
      const definition: PublishedDefinition = { id: '00000000-0000-4000-8000-000000000000', slug: 'under-test', type: 'dynamic', scope: 'profile', version: 1, rule: c.rule };
      const result = await suite.db.execute(profileEvaluationSql(workspaceId, [id], [definition], { byId: new Map(), bySlug: published }, c.now));
      const perProfile = (result.rows as Array<{ s0: boolean }>)[0]?.s0 === true;
      if (perProfile !== c.expected) failures.push(`${c.name} (per-profile query): expected ${c.expected}`);
    }
    expect(failures).toEqual([]);
  });

  it('evaluates every storable profile-scoped case in memory (live counts) as the case file says', async () => {
    const loaded = await loadSnapshot(suite.db, workspaceId, 'golden');
    await unwatch(suite.db, workspaceId, 'golden');
    const countEnv = { segment, staticMembers: () => new Uint8Array(loaded.snapshot.size) };
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const slot = loaded.snapshot.slotOf(ids[i] as string);
      const inMemory = slot >= 0 && matchingSlots(loaded.snapshot, c.rule, c.now, countEnv)[slot] === 1;
      if (inMemory !== c.expected) failures.push(`${c.name} (in memory): expected ${c.expected}`);
    }
    expect(failures).toEqual([]);
  });

  it('evaluates every case as the case file says in the one-pass recompute (all the cases of an instant as segments of one pass)', async () => {
    const failures: string[] = [];
    const byNow = new Map<number, number[]>();
    cases.forEach((c, i) => byNow.set(c.now, [...(byNow.get(c.now) ?? []), i]));
    for (const [now, indexes] of byNow) {
      const targets: PublishedDefinition[] = indexes.map((i) => ({ id: randomUUID(), slug: `case-${i}`, type: 'dynamic', scope: 'profile', version: 1, rule: cases[i]!.rule }));
      // Chunks of 7 profiles: cases fall on either side of chunk bounds.
      await suite.db.transaction(async (tx) => recomputeMemberships(tx, workspaceId, targets, { byId: new Map(), bySlug: published }, now, { chunkProfiles: 7 }));
      const rows = await suite.db.select().from(segmentMembers).where(inArray(segmentMembers.segmentId, targets.map((t) => t.id)));
      const members = new Set(rows.map((r) => `${r.segmentId}/${r.profileId}`));
      indexes.forEach((i, k) => {
        const c = cases[i]!;
        if (members.has(`${targets[k]!.id}/${ids[i]}`) !== c.expected) failures.push(`${c.name} (one pass): expected ${c.expected}`);
      });
      await suite.db.delete(segmentMembers).where(inArray(segmentMembers.segmentId, targets.map((t) => t.id)));
    }
    expect(failures).toEqual([]);
  });
});
