/**
 * Property: after any sequence of upserts, tracked events, publishes (of new rules too), archives,
 * partial evaluator passes and time passing (with the periodic recompute the scheduler runs), then
 * draining the dirty queue, the stored memberships equal a from-scratch evaluation of every profile
 * against every published dynamic segment, and each segment's last recorded size is its member
 * count. On PGlite and PostgreSQL; FC_RUNS asks for more sequences, FC_SEED replays one.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../../api/db/index.js';
import { trackEvents } from '../../../api/events/events.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { evaluateDirty } from '../../../api/segments/dirty-evaluator.js';
import { refreshWorkspace } from '../../../api/segments/membership.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import type { RuleJson } from '../../../schema/rule.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { membershipState } from '../../helpers/membership-state.js';
import { settleMemberships } from '../../helpers/memberships.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const RUNS = Math.max(12, Number(process.env.FC_RUNS) || 0);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const PEOPLE = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

/** Rules with time windows, event counts, traits and references (s0 is referenced by s3). */
const RULES: RuleJson[] = [
  { attr: 'traits.plan', op: 'eq', value: 'pro' },
  { event: 'purchase', inLastDays: 10 },
  { event: 'page_view', min: 2, inLastDays: 7 },
  { all: [{ segment: 's0' }, { attr: 'purchases.count', op: 'gte', value: 2 }] },
  { attr: 'purchases.last', op: 'inLastDays', value: 14 },
  { not: { attr: 'traits.score', op: 'gt', value: 50 } },
  { any: [{ segment: 's1' }, { event: 'page_view', where: [{ attr: 'path', op: 'eq', value: '/pricing' }] }] },
];

type Op =
  | { kind: 'upsert'; people: string[]; plan: string | null; score: number | null }
  | { kind: 'events'; items: Array<{ person: string; name: 'purchase' | 'page_view'; daysAgo: number; path: string }> }
  | { kind: 'publish'; segment: number }
  | { kind: 'edit'; segment: number; rule: number }
  | { kind: 'archive'; segment: number }
  | { kind: 'evaluate'; batchSize: number }
  | { kind: 'time'; days: number };

const person = fc.constantFrom(...PEOPLE);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('upsert' as const), people: fc.uniqueArray(person, { minLength: 1, maxLength: 4 }), plan: fc.constantFrom('pro', 'free', null), score: fc.option(fc.integer({ min: 0, max: 100 })) }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant('events' as const),
      items: fc.array(fc.record({ person, name: fc.constantFrom('purchase' as const, 'page_view' as const), daysAgo: fc.integer({ min: 0, max: 20 }), path: fc.constantFrom('/', '/pricing') }), { minLength: 1, maxLength: 5 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('publish' as const), segment: fc.nat(RULES.length - 1) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('edit' as const), segment: fc.nat(RULES.length - 1), rule: fc.nat(RULES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('archive' as const), segment: fc.nat(RULES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('evaluate' as const), batchSize: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 9 }) }), weight: 2 },
);

/** Edits may only refer to segments created before (s3 -> s0, s6 -> s1), as validation requires: a rule with a reference goes to its own slot. */
const ruleFor = (segment: number, rule: number): RuleJson => (JSON.stringify(RULES[rule]).includes('"segment"') ? RULES[segment]! : RULES[rule]!);

async function run(db: Database, ops: readonly Op[]): Promise<void> {
  let clock = T0;
  let eventSeq = 0;
  const workspaceId = await createWorkspace(db, 'dirty-property');
  await defineTrait(db, workspaceId, 'plan', 'string', null, new Date(T0));
  await defineTrait(db, workspaceId, 'score', 'number', null, new Date(T0));
  const service = () => new SegmentService(db, workspaceId, () => new Date(clock));
  const ids: string[] = [];
  for (const [i, rule] of RULES.entries()) ids.push((await service().create({ slug: `s${i}`, name: `S${i}`, type: 'dynamic', rule })).id);
  const archived = new Set<number>();
  for (const op of ops) {
    const now = new Date(clock);
    switch (op.kind) {
      case 'upsert':
        await upsertProfiles(db, workspaceId, op.people.map((externalId) => ({ externalId, traits: { plan: op.plan, score: op.score } })), now);
        break;
      case 'events':
        await trackEvents(
          db,
          workspaceId,
          op.items.map((e) => ({ eventId: `e${eventSeq++}`, externalId: e.person, name: e.name, properties: e.name === 'purchase' ? { revenue: 10 } : { path: e.path }, timestamp: new Date(clock - e.daysAgo * DAY).toISOString() })),
          now,
        );
        break;
      case 'publish':
        if (!archived.has(op.segment)) await service().publish(ids[op.segment]!);
        break;
      case 'edit': {
        if (archived.has(op.segment)) break;
        const current = await service().get(ids[op.segment]!);
        await service().update({ id: current.id, expectedVersion: current.currentVersion, rule: ruleFor(op.segment, op.rule) });
        await service().publish(current.id);
        break;
      }
      case 'archive':
        if (!archived.has(op.segment)) await service().archive(ids[op.segment]!);
        archived.add(op.segment);
        break;
      case 'evaluate':
        await evaluateDirty(db, { batchSize: op.batchSize, now: clock });
        break;
      case 'time':
        clock += op.days * DAY;
        // The periodic recompute (refresh-scheduler.ts) that moves time windows.
        await refreshWorkspace(db, workspaceId, clock, { onePassFrom: 1 }); // the one pass, even for a few segments
        break;
    }
  }
  await settleMemberships(db, clock);
  const state = await membershipState(db, workspaceId, clock);
  expect(state.stale).toEqual([]);
  expect(state.sizeMismatches).toEqual([]);
}

describeEachDatabase('memberships after writes, publishes and time, once the dirty queue is drained', (suite) => {
  beforeAll(() => {
    console.log(`dirty-evaluator property: seed ${SEED}, ${RUNS} sequences (FC_SEED=${SEED} replays them)`);
  });

  it('equal a from-scratch evaluation, with sizes equal to member counts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), (ops) => run(suite.db, ops)),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);
});
