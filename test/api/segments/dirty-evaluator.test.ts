/**
 * The dirty evaluator: writes mark profiles and return; evaluateDirty claims the marks and brings
 * the memberships (and size history) up to date; waitForMemberships evaluates in the request.
 * Races on one PostgreSQL database: a write during the evaluation of its profile is evaluated again,
 * and two evaluators (two pools, as two API processes) never lose or double-apply a profile.
 */
import pg from 'pg';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../api/db/index.js';
import { trackEvents } from '../../../api/events/events.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { evaluateDirty, evaluateProfilesNow, startDirtyEvaluator } from '../../../api/segments/dirty-evaluator.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { deleteProfile } from '../../../api/profiles/profiles.service.js';
import { dirtyProfiles, profiles, segmentMembers, segments } from '../../../drizzle/index.js';
import { createServerDatabase, describeEachDatabase } from '../../helpers/db.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';
import { settleMemberships } from '../../helpers/memberships.js';
import { membershipState } from '../../helpers/membership-state.js';

const T0 = new Date('2026-11-01T00:00:00Z');

async function seedWorkspace(db: Database, name: string): Promise<{ workspaceId: string; pro: string }> {
  const workspaceId = await createWorkspace(db, name);
  await defineTrait(db, workspaceId, 'plan', 'string', null, T0);
  const service = new SegmentService(db, workspaceId, () => T0);
  const created = await service.create({ slug: 'pro', name: 'Pro', type: 'dynamic', rule: { attr: 'traits.plan', op: 'eq', value: 'pro' } });
  await service.publish(created.id);
  const buyers = await service.create({ slug: 'buyers', name: 'Buyers', type: 'dynamic', rule: { event: 'purchase', inLastDays: 30 } });
  await service.publish(buyers.id);
  return { workspaceId, pro: created.id };
}

async function membersOf(db: Database, workspaceId: string, slug: string): Promise<string[]> {
  const rows = await db
    .select({ externalId: profiles.externalId })
    .from(segmentMembers)
    .innerJoin(segments, eq(segments.id, segmentMembers.segmentId))
    .innerJoin(profiles, eq(profiles.id, segmentMembers.profileId))
    .where(and(eq(segments.workspaceId, workspaceId), eq(segments.slug, slug)));
  return rows.map((r) => r.externalId as string).sort();
}

const marks = async (db: Database, workspaceId: string) => (await db.select().from(dirtyProfiles).where(eq(dirtyProfiles.workspaceId, workspaceId))).length;

describeEachDatabase('dirty profiles', (suite) => {
  let workspaceId = '';
  beforeAll(async () => {
    ({ workspaceId } = await seedWorkspace(suite.db, 'dirty'));
  });

  it('marks written profiles in the write and evaluates them when the queue is drained', async () => {
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'a', traits: { plan: 'pro' } }, { externalId: 'b', traits: { plan: 'free' } }], T0);
    expect(await marks(suite.db, workspaceId)).toBe(2);
    expect(await membersOf(suite.db, workspaceId, 'pro')).toEqual([]);
    expect(await settleMemberships(suite.db, T0)).toBe(2);
    expect(await marks(suite.db, workspaceId)).toBe(0);
    expect(await membersOf(suite.db, workspaceId, 'pro')).toEqual(['a']);
    await trackEvents(suite.db, workspaceId, [{ eventId: 'e1', externalId: 'b', name: 'purchase', properties: { revenue: 5 }, timestamp: T0.toISOString() }], T0);
    expect(await membersOf(suite.db, workspaceId, 'buyers')).toEqual([]);
    await settleMemberships(suite.db, T0);
    expect(await membersOf(suite.db, workspaceId, 'buyers')).toEqual(['b']);
    expect(await membershipState(suite.db, workspaceId, T0.getTime())).toMatchObject({ stale: [], sizeMismatches: [] });
  });

  it('with waitForMemberships returns with the memberships current and nothing left marked', async () => {
    await upsertProfiles(suite.db, workspaceId, [{ externalId: 'b', traits: { plan: 'pro' } }], T0, 'inputs', { waitForMemberships: true });
    expect(await membersOf(suite.db, workspaceId, 'pro')).toEqual(['a', 'b']);
    await trackEvents(suite.db, workspaceId, [{ eventId: 'e2', externalId: 'a', name: 'purchase', properties: { revenue: 5 }, timestamp: T0.toISOString() }], T0, { waitForMemberships: true });
    expect(await membersOf(suite.db, workspaceId, 'buyers')).toEqual(['a', 'b']);
    expect(await marks(suite.db, workspaceId)).toBe(0);
  });

  it('claims at most batchSize marks per workspace and says when more are left', async () => {
    await upsertProfiles(suite.db, workspaceId, ['c', 'd', 'e'].map((externalId) => ({ externalId, traits: { plan: 'pro' } })), T0);
    const first = await evaluateDirty(suite.db, { batchSize: 2, now: T0.getTime() });
    expect(first).toMatchObject({ evaluated: 2, more: true });
    const second = await evaluateDirty(suite.db, { batchSize: 2, now: T0.getTime() });
    expect(second).toMatchObject({ evaluated: 1, more: false });
    expect(await membersOf(suite.db, workspaceId, 'pro')).toEqual(['a', 'b', 'c', 'd', 'e']);
    await expect(evaluateDirty(suite.db, { batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('drops the mark of an erased profile without giving it memberships', async () => {
    const { profiles: [row] } = await upsertProfiles(suite.db, workspaceId, [{ externalId: 'gone', traits: { plan: 'pro' } }], T0);
    await deleteProfile(suite.db, workspaceId, { id: row!.id }, T0);
    await settleMemberships(suite.db, T0);
    expect(await marks(suite.db, workspaceId)).toBe(0);
    expect(await membersOf(suite.db, workspaceId, 'pro')).not.toContain('gone');
    const stray = await suite.db.select().from(segmentMembers).where(eq(segmentMembers.profileId, row!.id));
    expect(stray).toEqual([]);
  });

  it('runs in a loop that a commit of this process wakes, and stops', async () => {
    const logs: string[] = [];
    // A poll far longer than the test: only the in-process signal can make it evaluate in time.
    const evaluator = startDirtyEvaluator(suite.db, { pollMs: 3_600_000, concurrency: 2, log: (m) => logs.push(m) });
    try {
      await upsertProfiles(suite.db, workspaceId, [{ externalId: 'f', traits: { plan: 'pro' } }]);
      for (let i = 0; i < 500 && (await marks(suite.db, workspaceId)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await marks(suite.db, workspaceId)).toBe(0);
      expect(await membersOf(suite.db, workspaceId, 'pro')).toContain('f');
    } finally {
      await evaluator.stop();
    }
    expect(logs).toEqual([]);
  });
});

describe('dirty profile races on one PostgreSQL database [postgres]', () => {
  let server: Awaited<ReturnType<typeof createServerDatabase>>;
  const pools: Array<{ db: Database; close(): Promise<void> }> = [];
  let admin: pg.Client;

  beforeAll(async () => {
    server = await createServerDatabase();
    pools.push(await openDatabase({ driver: 'postgres', url: server.url, poolMax: 4 }));
    pools.push(await openDatabase({ driver: 'postgres', url: server.url, poolMax: 4, migrate: false }));
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    for (const pool of pools) await pool.close();
    await server?.drop();
  });

  it('evaluates again a profile written while its evaluation was under way', async () => {
    const db = pools[0]!.db;
    const { workspaceId, pro } = await seedWorkspace(db, 'race-write');
    await upsertProfiles(db, workspaceId, [{ externalId: 'x', traits: { plan: 'pro' } }], T0);
    // Hold the size lock of `pro`: the evaluator claims and evaluates x (joining `pro`), then waits to record the size.
    await admin.query('begin');
    await admin.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`segment_size:${pro}`]);
    const evaluation = evaluateDirty(db, { now: T0.getTime() });
    await waitFor(async () => (await admin.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n === 1);
    // Meanwhile x stops being pro: the write waits for the evaluation (profile share lock) and marks x again.
    const write = upsertProfiles(pools[1]!.db, workspaceId, [{ externalId: 'x', traits: { plan: 'free' } }], T0);
    await waitFor(async () => (await admin.query("select count(*)::int as n from pg_locks where locktype = 'transactionid' and not granted")).rows[0].n >= 1);
    await admin.query('commit');
    expect(await evaluation).toMatchObject({ evaluated: 1, added: 1 });
    await write;
    expect(await membersOf(db, workspaceId, 'pro')).toEqual(['x']); // the evaluation of the old data
    expect(await marks(db, workspaceId)).toBe(1); // ... and the new write's mark
    await settleMemberships(db, T0);
    expect(await membersOf(db, workspaceId, 'pro')).toEqual([]);
    expect(await membershipState(db, workspaceId, T0.getTime())).toMatchObject({ stale: [], sizeMismatches: [] });
  });

  it('a publish during an evaluation never leaves the old rule\'s memberships behind', async () => {
    const db = pools[0]!.db;
    const { workspaceId, pro } = await seedWorkspace(db, 'race-publish');
    const { profiles: [y] } = await upsertProfiles(db, workspaceId, [{ externalId: 'y', traits: { plan: 'pro' } }], T0);
    // An uncommitted membership row of (pro, y): the evaluator, having evaluated y with `plan = pro`, waits on it to apply.
    await admin.query('begin');
    await admin.query('insert into segment_members (segment_id, profile_id, workspace_id) values ($1, $2, $3)', [pro, y!.id, workspaceId]);
    const evaluation = evaluateDirty(db, { now: T0.getTime() });
    await waitFor(async () => (await admin.query("select count(*)::int as n from pg_locks where locktype = 'transactionid' and not granted")).rows[0].n === 1);
    // Meanwhile the rule changes to `plan = free` and is published: it must not commit between the evaluation and its apply.
    const service = new SegmentService(pools[1]!.db, workspaceId, () => T0);
    const current = await service.get(pro);
    await service.update({ id: pro, expectedVersion: current.currentVersion, rule: { attr: 'traits.plan', op: 'eq', value: 'free' } });
    let published = false;
    const publish = service.publish(pro).then(() => (published = true));
    await waitFor(async () => published || (await admin.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n === 1);
    expect(published).toBe(false); // it waits for the evaluation (the definitions lock)
    await admin.query('rollback');
    await evaluation;
    await publish;
    expect(await membersOf(db, workspaceId, 'pro')).toEqual([]);
    expect(await membershipState(db, workspaceId, T0.getTime())).toMatchObject({ stale: [], sizeMismatches: [] });
  });

  it('with two evaluators draining one queue while writers write, never loses or double-applies a profile', async () => {
    const [one, two] = [pools[0]!.db, pools[1]!.db];
    const { workspaceId } = await seedWorkspace(one, 'race-evaluators');
    const plans = ['pro', 'free', 'team'];
    const batch = (round: number) =>
      Array.from({ length: 200 }, (_, i) => ({ externalId: `p${i}`, traits: { plan: plans[(i + round) % 3]! } }));
    await upsertProfiles(one, workspaceId, batch(0), T0);
    // Before any write: every mark is evaluated exactly once between the two.
    const drain = async (db: Database) => {
      let evaluated = 0;
      for (;;) {
        const pass = await evaluateDirty(db, { batchSize: 7, now: T0.getTime(), workspaceId });
        evaluated += pass.evaluated;
        if (pass.evaluated === 0 && !pass.more) return evaluated;
      }
    };
    const [a, b] = await Promise.all([drain(one), drain(two)]);
    expect(a + b).toBe(200);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(await membershipState(one, workspaceId, T0.getTime())).toMatchObject({ stale: [], sizeMismatches: [] });
    // Writers on both pools while both evaluators run.
    let writing = true;
    const loops = [one, two].map(async (db) => {
      while (writing) await evaluateDirty(db, { batchSize: 13, now: T0.getTime(), workspaceId });
    });
    for (let round = 1; round <= 6; round++) {
      await Promise.all([
        upsertProfiles(round % 2 ? one : two, workspaceId, batch(round).slice(0, 120), T0),
        trackEvents(round % 2 ? two : one, workspaceId, Array.from({ length: 50 }, (_, i) => ({ eventId: `r${round}-${i}`, externalId: `p${(i * 7 + round) % 200}`, name: 'purchase', properties: { revenue: 1 }, timestamp: T0.toISOString() })), T0),
      ]);
    }
    writing = false;
    await Promise.all(loops);
    await settleMemberships(one, T0);
    const state = await membershipState(one, workspaceId, T0.getTime());
    expect(state.stale).toEqual([]);
    expect(state.sizeMismatches).toEqual([]);
    expect(state.members).toBeGreaterThan(0);
  });

  it('waitForMemberships waits for an evaluator that holds the profiles', async () => {
    const db = pools[0]!.db;
    const { workspaceId, pro } = await seedWorkspace(db, 'race-wait');
    const { profiles: [row] } = await upsertProfiles(db, workspaceId, [{ externalId: 'w', traits: { plan: 'pro' } }], T0);
    await admin.query('begin');
    await admin.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`segment_size:${pro}`]);
    const evaluation = evaluateDirty(db, { now: T0.getTime() });
    await waitFor(async () => (await admin.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n === 1);
    let done = false;
    const waiting = evaluateProfilesNow(pools[1]!.db, workspaceId, [row!.id], T0.getTime()).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    await admin.query('commit');
    await evaluation;
    await waiting;
    expect(await membersOf(db, workspaceId, 'pro')).toEqual(['w']);
  });
});

describe('the dirty evaluator loop on a lost database [postgres]', () => {
  it('logs a failing pass and keeps running until stopped', async () => {
    const server = await createServerDatabase();
    const opened = await openDatabase({ driver: 'postgres', url: server.url, poolMax: 1 });
    await opened.close(); // every query now fails
    const logs: string[] = [];
    const evaluator = startDirtyEvaluator(opened.db, { pollMs: 5, log: (m) => logs.push(m) });
    try {
      await waitFor(async () => logs.length >= 2);
    } finally {
      await evaluator.stop();
      await server.drop();
    }
    expect(logs[0]).toMatch(/^dirty profile evaluation failed: /);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 10 s');
}

