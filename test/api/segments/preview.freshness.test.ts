/**
 * Live counts from memory stay exact as the workspace changes: after each write (upserts, tracked
 * events, a purchase, a deletion, a static list edit, a raw SQL update that no service made), the
 * count of PreviewCounts equals countMatchingSql, on PGlite and PostgreSQL, for rules over traits,
 * purchases, events with `where`, and references to a dynamic and a static segment.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { trackEvents } from '../../../api/events/events.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { PreviewCounts } from '../../../api/segments/preview/previews.js';
import { loadPublishedDefinitions } from '../../../api/segments/definitions.js';
import type { RuleJson } from '../../../schema/rule.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { createWorkspace } from '../../helpers/sql-subjects.js';

const NOW = Date.UTC(2026, 10, 23, 12);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const RULES: RuleJson[] = [
  { attr: 'traits.plan', op: 'in', value: ['pro', 'enterprise'] },
  { all: [{ attr: 'purchases.count', op: 'gte', value: 1 }, { event: 'page_view', min: 2, inLastDays: 30 }] },
  { event: 'page_view', where: [{ attr: 'path', op: 'matches', value: '/pricing*' }] },
  { not: { event: 'page_view', inLastDays: 7 } },
  { any: [{ segment: 'pros' }, { segment: 'vip-list' }] },
  { all: [{ segment: 'pros' }, { attr: 'traits.score', op: 'gt', value: 5 }] },
];

describeEachDatabase('in-memory live counts follow every write', (suite) => {
  let ws = '';
  let service: SegmentService;
  let previews: PreviewCounts;
  let staticId = '';

  beforeAll(async () => {
    ws = await createWorkspace(suite.db, 'preview-freshness');
    const now = new Date(NOW);
    await defineTrait(suite.db, ws, 'plan', 'string', null, now);
    await defineTrait(suite.db, ws, 'score', 'number', null, now);
    previews = new PreviewCounts(suite.db, { minProfiles: 0 });
    service = new SegmentService(suite.db, ws, () => now, previews);
    const pros = await service.create({ slug: 'pros', name: 'Pros', type: 'dynamic', rule: { attr: 'traits.plan', op: 'eq', value: 'pro' } });
    await service.publish(pros.id);
    const list = await service.create({ slug: 'vip-list', name: 'VIP', type: 'static' });
    await service.publish(list.id);
    staticId = list.id;
    await upsertProfiles(suite.db, ws, Array.from({ length: 40 }, (_, i) => ({
      externalId: `c${i}`,
      traits: { plan: ['free', 'pro', 'enterprise', 'starter'][i % 4], score: i % 10 },
    })), now);
  });
  afterAll(async () => {
    await previews.close();
  });

  async function expectExact(step: string): Promise<void> {
    const definitions = await loadPublishedDefinitions(suite.db, ws);
    for (const json of RULES) {
      const checked = await service.validate(json);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      const fast = await previews.count(ws, checked.rule, definitions, NOW, { wait: true });
      const inSql = await service.countMatchingSql(checked.rule, NOW);
      expect({ step, rule: json, count: fast }).toEqual({ step, rule: json, count: inSql });
    }
  }

  it('equals the SQL count after each kind of write', { timeout: 120_000 }, async () => {
    await expectExact('loaded');
    expect(previews.holds(ws)).toBe(true);
    const now = new Date(NOW);
    await trackEvents(suite.db, ws, Array.from({ length: 30 }, (_, i) => ({
      eventId: `pv-${i}`, externalId: `c${i % 15}`, name: 'page_view', properties: { path: i % 3 === 0 ? '/pricing' : '/blog' }, timestamp: iso(NOW - (i % 9) * DAY),
    })), now);
    await expectExact('page views tracked');
    await upsertProfiles(suite.db, ws, [{ externalId: 'c1', traits: { plan: 'pro' } }, { externalId: 'c2', traits: { plan: null } }, { externalId: 'new', traits: { plan: 'enterprise', score: 9 } }], now);
    await expectExact('profiles upserted (one new, a trait removed)');
    await trackEvents(suite.db, ws, [{ eventId: 'buy-1', externalId: 'c3', name: 'purchase', properties: { amount: 20 }, timestamp: iso(NOW - DAY) }], now);
    await expectExact('a purchase');
    const [victim] = (await suite.db.execute(sql`select id::text as id from profiles where workspace_id = ${ws}::uuid and external_id = 'c5'`)).rows as Array<{ id: string }>;
    await suite.db.execute(sql`delete from profiles where id = ${victim!.id}::uuid`);
    await expectExact('a profile deleted (its events cascade)');
    const some = (await suite.db.execute(sql`select id::text as id from profiles where workspace_id = ${ws}::uuid order by external_id limit 7`)).rows as Array<{ id: string }>;
    await service.addToStatic(staticId, some.map((r) => r.id));
    await expectExact('profiles added to the static list');
    await suite.db.execute(sql`update profiles set traits = traits || '{"score": 7}'::jsonb where workspace_id = ${ws}::uuid and external_id like 'c1%'`);
    await suite.db.execute(sql`update events set profile_id = (select id from profiles where workspace_id = ${ws}::uuid and external_id = 'c0') where workspace_id = ${ws}::uuid and event_id = 'pv-4'`);
    await expectExact('raw SQL: traits rewritten, an event moved to another profile');
  });
});
