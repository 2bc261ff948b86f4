import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { dataOf, startTestApi, type TestApi } from '../harness.js';
import { seedDemo, DEMO_TRAITS, type SeedResult } from '../../../api/seed/seed.js';
import { profiles } from '../../../drizzle/index.js';
import { LIFECYCLE_TRAITS } from '../../../schema/lifecycle.js';

const NOW = new Date('2026-06-01T00:00:00Z');

describeEachDatabase('demo seed', (suite) => {
  let api: TestApi;
  let seeded: SeedResult;

  beforeAll(async () => {
    seeded = await seedDemo(suite.db, { profiles: 300, now: NOW });
    api = await startTestApi(suite.db, () => NOW);
  });
  afterAll(() => api?.close());

  it('creates the Demo workspace with working admin and edge keys and the declared traits', async () => {
    const data = dataOf(await api.gql('{ workspace { name } traitDefinitions(first: 100) { edges { node { name } } } }', {}, seeded.adminKey));
    expect(data.workspace.name).toBe('Demo');
    const names = data.traitDefinitions.edges.map((e: any) => e.node.name);
    expect([...names].sort()).toEqual(DEMO_TRAITS.map((t) => t.name).sort());
    for (const trait of LIFECYCLE_TRAITS) expect(names).toContain(trait.name);
    const ruleset = await api.fetch('/v1/rulesets/current', { key: seeded.edgeKey });
    expect(ruleset.status).toBe(200);
    await ruleset.body?.cancel();
  });

  it('writes profiles whose purchase columns agree with their purchase events', async () => {
    expect(seeded.profiles).toBe(300);
    const { rows } = await suite.db.execute<{ bad: number; buyers: number; views: number }>(sql`
      select
        (select count(*)::int from profiles p where p.workspace_id = ${seeded.workspaceId} and p.purchase_count <>
          (select count(*) from events e where e.profile_id = p.id and e.name = 'purchase')) as bad,
        (select count(*)::int from profiles where workspace_id = ${seeded.workspaceId} and purchase_count > 0) as buyers,
        (select count(*)::int from events where workspace_id = ${seeded.workspaceId} and name = 'page_view') as views`);
    expect(rows[0]!.bad).toBe(0);
    expect(rows[0]!.buyers).toBeGreaterThan(100);
    expect(rows[0]!.views).toBeGreaterThan(300);
    const { profile } = dataOf(await api.gql('{ profile(externalId: "cust-00001") { traits computed { purchaseCount } } }', {}, seeded.adminKey));
    expect(profile.traits).toHaveProperty('plan');
  });

  it('publishes the lifecycle and edge segments, with members and an edge ruleset', async () => {
    const data = dataOf(await api.gql('{ segments(first: 50, status: PUBLISHED) { edges { node { slug size scope } } } }', {}, seeded.adminKey));
    const bySlug = new Map(data.segments.edges.map((e: any) => [e.node.slug, e.node]));
    for (const slug of ['prospect', 'new', 'active', 'loyal', 'lapsed', 'sea-mobile', 'pricing-researchers', 'beta-testers']) expect(bySlug.has(slug)).toBe(true);
    expect((bySlug.get('active') as { size: number }).size).toBeGreaterThan(0);
    expect((bySlug.get('sea-mobile') as { scope: string }).scope).toBe('EDGE');
    const ruleset = (await (await api.fetch('/v1/rulesets/current', { key: seeded.edgeKey })).json()) as { segments: Array<{ slug: string; scope: string }> };
    expect(ruleset.segments).toContainEqual({ slug: 'loyal', scope: 'profile' });
    expect(ruleset.segments.map((s) => s.slug)).toEqual(expect.arrayContaining(['sea-mobile', 'pricing-researchers', 'loyal-on-site']));
  });

  it('is deterministic: the same seed gives the same people', async () => {
    const again = await seedDemo(suite.db, { profiles: 20, now: NOW });
    const pick = async (workspaceId: string) =>
      (await suite.db.select().from(profiles).where(and(eq(profiles.workspaceId, workspaceId), eq(profiles.externalId, 'cust-00007'))))[0]!;
    const [a, b] = [await pick(seeded.workspaceId), await pick(again.workspaceId)];
    expect({ ...b, id: a.id, workspaceId: a.workspaceId, updatedAt: a.updatedAt }).toEqual(a);
  });
});
