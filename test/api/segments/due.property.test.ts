/**
 * Property: with the periodic pass evaluating only the profiles due (api/segments/due.ts), after any
 * sequence of upserts, events (past and future-dated), publishes, edits, archives, partial dirty
 * evaluations and time passing by arbitrary amounts (a pass at each step), the stored memberships
 * equal a from-scratch evaluation of every profile at that instant. And directly: once the dirty
 * queue is drained, every profile's evaluation stays the same at every sampled instant before its
 * stored due instant (due early is allowed, late is not). Every kind of time-dependent condition is
 * in the rules; each rule is also checked alone (so that no other rule's earlier instant hides a late
 * one). On PGlite and PostgreSQL; FC_RUNS asks for more sequences, FC_SEED replays one.
 */
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../../api/db/index.js';
import { trackEvents } from '../../../api/events/events.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { loadPublishedDefinitions } from '../../../api/segments/definitions.js';
import { evaluateDirty } from '../../../api/segments/dirty-evaluator.js';
import { refreshDue } from '../../../api/segments/due.js';
import { compiledEvaluation, evaluateProfiles } from '../../../api/segments/membership.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { profileDue, profiles } from '../../../drizzle/index.js';
import type { RuleJson } from '../../../schema/rule.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { membershipState } from '../../helpers/membership-state.js';
import { settleMemberships } from '../../helpers/memberships.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const RUNS = Math.max(10, Number(process.env.FC_RUNS) || 0);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const PEOPLE = ['p0', 'p1', 'p2', 'p3', 'p4'];

/**
 * Every time-dependent kind: event windows (also "never"), a date in an event's `where`, instant
 * columns, date traits, daysSinceLast, overdueRatio, references; and rules with no time-dependent
 * part, alone or referenced, which the pass leaves out (their memberships must stay exact all the same).
 */
const RULES: RuleJson[] = [
  { event: 'purchase', inLastDays: 3 },
  { event: 'page_view', min: 2, inLastDays: 2 },
  { all: [{ segment: 's0' }, { event: 'page_view', min: 0, max: 0, inLastDays: 1 }] },
  { attr: 'purchases.last', op: 'inLastDays', value: 4 },
  { any: [{ attr: 'purchases.first', op: 'notInLastDays', value: 2 }, { attr: 'profile.createdAt', op: 'inLastDays', value: 1 }] },
  { attr: 'purchases.daysSinceLast', op: 'between', value: [1, 3] },
  { any: [{ attr: 'purchases.daysSinceLast', op: 'eq', value: 2 }, { attr: 'purchases.overdueRatio', op: 'gt', value: 1.5 }] },
  { all: [{ attr: 'traits.renewal', op: 'inLastDays', value: 2 }, { not: { attr: 'traits.trial', op: 'notInLastDays', value: 1 } }] },
  { event: 'trial', where: [{ attr: 'ends', op: 'inLastDays', value: 1 }, { attr: 'plan', op: 'eq', value: 'pro' }] },
  { not: { segment: 's3' } },
  { attr: 'purchases.overdueRatio', op: 'between', value: [1.2, 2.5] },
  // No time-dependent part: the pass does not evaluate these (s11, s12), but does evaluate s13 (through s0).
  { event: 'purchase', min: 2 },
  { all: [{ segment: 's11' }, { event: 'page_view' }] },
  { any: [{ segment: 's11' }, { segment: 's0' }] },
];

type Op =
  | { kind: 'upsert'; people: string[]; renewalHours: number | null; trialHours: number | null }
  | { kind: 'events'; items: Array<{ person: string; name: 'purchase' | 'page_view' | 'trial'; hoursAgo: number; endsHours: number; plan: string }> }
  | { kind: 'publish'; segment: number }
  | { kind: 'edit'; segment: number; rule: number }
  | { kind: 'archive'; segment: number }
  | { kind: 'evaluate'; batchSize: number }
  | { kind: 'time'; ms: number };

const person = fc.constantFrom(...PEOPLE);
const hours = fc.integer({ min: -48, max: 120 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('upsert' as const), people: fc.uniqueArray(person, { minLength: 1, maxLength: 3 }), renewalHours: fc.option(hours), trialHours: fc.option(hours) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('events' as const),
      items: fc.array(fc.record({ person, name: fc.constantFrom('purchase' as const, 'page_view' as const, 'trial' as const), hoursAgo: fc.integer({ min: -23, max: 150 }), endsHours: hours, plan: fc.constantFrom('pro', 'free') }), { minLength: 1, maxLength: 5 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('publish' as const), segment: fc.nat(RULES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('edit' as const), segment: fc.nat(RULES.length - 1), rule: fc.nat(RULES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('archive' as const), segment: fc.nat(RULES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('evaluate' as const), batchSize: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
  // Any amount: a few ms to four days, so instants land on, just before and just after boundaries.
  { arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.oneof(fc.integer({ min: 1, max: 4 * DAY }), fc.integer({ min: 1, max: 4 }).map((h) => h * 6 * HOUR), fc.integer({ min: 1, max: 3 })) }), weight: 5 },
);

/** Rules with a reference keep it in their own slot (s2 -> s0, s9 -> s3, s12 -> s11, s13 -> s11 and s0), as validation requires. */
const ruleFor = (segment: number, rule: number): RuleJson => (JSON.stringify(RULES[rule]).includes('"segment"') ? RULES[segment]! : RULES[rule]!);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Every profile's evaluation at `now` is also its evaluation at instants before its stored due
 * instant (the last millisecond before it, one millisecond after `now`, and seven between), or
 * within 10 days when it has none.
 */
async function assertConstantUntilDue(db: Database, workspaceId: string, now: number): Promise<void> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const { dynamic } = compiledEvaluation(definitions);
  if (dynamic.length === 0) return;
  const all = await db.select({ id: profiles.id, externalId: profiles.externalId }).from(profiles).where(eq(profiles.workspaceId, workspaceId));
  const due = new Map((await db.select().from(profileDue).where(eq(profileDue.workspaceId, workspaceId))).map((r) => [r.profileId, r.dueAt.getTime()]));
  const verdicts = (row: Record<string, unknown>) => dynamic.map((d, i) => `${d.slug}:${row[`s${i}`]}`).join(' ');
  for (const p of all) {
    const [base] = await evaluateProfiles(db, definitions, workspaceId, [p.id], now);
    const end = due.get(p.id) ?? now + 10 * DAY;
    expect(end, `due instant of ${p.externalId} is not after now`).toBeGreaterThan(now);
    for (const t of new Set([now + 1, ...[1, 2, 3, 4, 5, 6, 7].map((k) => Math.floor(now + ((end - now) * k) / 8)), end - 1])) {
      if (t <= now || t >= end) continue;
      const [later] = await evaluateProfiles(db, definitions, workspaceId, [p.id], t);
      expect(verdicts(later!), `${p.externalId} at now+${t - now} ms (due at now+${end - now} ms)`).toBe(verdicts(base!));
    }
  }
}

async function run(db: Database, ops: readonly Op[]): Promise<void> {
  let clock = T0;
  let eventSeq = 0;
  const workspaceId = await createWorkspace(db, 'due-property');
  await defineTrait(db, workspaceId, 'renewal', 'date', null, new Date(T0));
  await defineTrait(db, workspaceId, 'trial', 'date', null, new Date(T0));
  const service = () => new SegmentService(db, workspaceId, () => new Date(clock));
  const ids: string[] = [];
  for (const [i, rule] of RULES.entries()) ids.push((await service().create({ slug: `s${i}`, name: `S${i}`, type: 'dynamic', rule })).id);
  // All published from the start (a publish op publishes again, an edit a new rule, an archive ends one).
  for (const id of ids) await service().publish(id);
  // The first pass seeds the workspace (a full recompute); every later one evaluates the due.
  expect((await refreshDue(db, workspaceId, { now: clock })).seeded).toBe(true);
  const archived = new Set<number>();
  for (const op of ops) {
    const now = new Date(clock);
    switch (op.kind) {
      case 'upsert':
        await upsertProfiles(db, workspaceId, op.people.map((externalId) => ({
          externalId,
          traits: { renewal: op.renewalHours === null ? null : iso(clock - op.renewalHours * HOUR), trial: op.trialHours === null ? null : iso(clock - op.trialHours * HOUR) },
        })), now);
        break;
      case 'events':
        await trackEvents(
          db,
          workspaceId,
          op.items.map((e) => ({
            eventId: `e${eventSeq++}`,
            externalId: e.person,
            name: e.name,
            properties: e.name === 'purchase' ? { revenue: 10 } : e.name === 'trial' ? { ends: iso(clock - e.endsHours * HOUR), plan: e.plan } : { path: '/' },
            timestamp: iso(clock - e.hoursAgo * HOUR),
          })),
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
      case 'time': {
        await settleMemberships(db, clock);
        await assertConstantUntilDue(db, workspaceId, clock);
        clock += op.ms;
        expect((await refreshDue(db, workspaceId, { now: clock, batchSize: 2 })).seeded).toBe(false);
        const state = await membershipState(db, workspaceId, clock);
        expect(state.stale).toEqual([]);
        expect(state.sizeMismatches).toEqual([]);
        break;
      }
    }
  }
  await settleMemberships(db, clock);
  clock += 5 * DAY;
  await refreshDue(db, workspaceId, { now: clock });
  const state = await membershipState(db, workspaceId, clock);
  expect(state.stale).toEqual([]);
  expect(state.sizeMismatches).toEqual([]);
}

/**
 * One rule alone (no other segment's instants to hide a late one): writes, then at each of a few
 * instants every profile's evaluation is checked constant until its due instant.
 */
async function runAlone(db: Database, rule: number, steps: ReadonlyArray<{ ops: Op[]; ms: number }>): Promise<void> {
  let clock = T0;
  let eventSeq = 0;
  const workspaceId = await createWorkspace(db, 'due-alone');
  await defineTrait(db, workspaceId, 'renewal', 'date', null, new Date(T0));
  await defineTrait(db, workspaceId, 'trial', 'date', null, new Date(T0));
  const service = new SegmentService(db, workspaceId, () => new Date(clock));
  await service.publish((await service.create({ slug: 'alone', name: 'Alone', type: 'dynamic', rule: RULES[rule]! })).id);
  for (const step of steps) {
    for (const op of step.ops) {
      if (op.kind === 'upsert') {
        await upsertProfiles(db, workspaceId, op.people.map((externalId) => ({
          externalId,
          traits: { renewal: op.renewalHours === null ? null : iso(clock - op.renewalHours * HOUR), trial: op.trialHours === null ? null : iso(clock - op.trialHours * HOUR) },
        })), new Date(clock));
      } else if (op.kind === 'events') {
        await trackEvents(db, workspaceId, op.items.map((e) => ({
          eventId: `e${eventSeq++}`,
          externalId: e.person,
          name: e.name,
          properties: e.name === 'purchase' ? { revenue: 10 } : e.name === 'trial' ? { ends: iso(clock - e.endsHours * HOUR), plan: e.plan } : { path: '/' },
          timestamp: iso(clock - e.hoursAgo * HOUR),
        })), new Date(clock));
      }
    }
    await settleMemberships(db, clock);
    await refreshDue(db, workspaceId, { now: clock }); // the pass re-evaluates the profiles due by now
    await assertConstantUntilDue(db, workspaceId, clock);
    clock += step.ms;
  }
}

const writeArb = opArb.filter((op) => op.kind === 'upsert' || op.kind === 'events');
const aloneRules = RULES.map((r, i) => [r, i] as const).filter(([r]) => !JSON.stringify(r).includes('"segment"')).map(([, i]) => i);

describeEachDatabase('memberships with time passing, evaluating only the profiles due', (suite) => {
  it('each time-dependent rule alone: no profile changes before its due instant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...aloneRules),
        fc.array(fc.record({ ops: fc.array(writeArb, { minLength: 0, maxLength: 3 }), ms: fc.integer({ min: 1, max: 3 * DAY }) }), { minLength: 1, maxLength: 4 }),
        (rule, steps) => runAlone(suite.db, rule, steps),
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
  }, 600_000);

  beforeAll(() => {
    console.log(`due property: seed ${SEED}, ${RUNS} sequences (FC_SEED=${SEED} replays them)`);
  });

  it('equal a from-scratch evaluation after every pass, and no profile changes before its due instant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 16 }), (ops) => run(suite.db, ops)),
      { numRuns: RUNS, seed: SEED },
    );
  }, 600_000);
});
