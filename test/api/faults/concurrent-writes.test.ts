/**
 * Issue 9: concurrent writers of the same profiles, on the real PostgreSQL (node-postgres and the
 * Neon driver) and on PGlite. No field sent by one is lost to another, no deadlock reaches a client,
 * and created/updated counts are exact. PGlite has one connection, so its transactions run one at a
 * time: the races there are between requests, not statements, and what the suite shows is that the
 * same code gives the same answers and never waits on itself (a second connection inside a
 * transaction would hang it). Deadlocks cannot happen on it, so the deadlock retry is tested on the
 * servers only.
 */
import { beforeAll, afterAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { runConcurrentWriters, UPSERT, UPSERTS } from '../../helpers/faults.js';
import { inTransaction } from '../../../api/db/transaction.js';

describeEachDatabase(
  'concurrent writes',
  (suite) => {
    let api: TestApi;
    let ws: TestWorkspace;

    beforeAll(async () => {
      ws = await createTestWorkspace(suite.db, 'Races');
      api = await startTestApi(suite.db);
      for (const [name, type] of [['plan', 'STRING'], ['seats', 'NUMBER']] as const) {
        dataOf(await api.gql('mutation($name: String!, $type: TraitType!) { defineTrait(name: $name, type: $type) { name } }', { name, type }, ws.keys.admin));
      }
      const rule = { all: [{ attr: 'purchases.count', op: 'gte', value: 2 }] };
      const created = dataOf(await api.gql('mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', { input: { slug: 'repeat', name: 'Repeat', rule } }, ws.keys.admin));
      dataOf(await api.gql('mutation($id: ID!) { publishSegment(id: $id) { id } }', { id: created.createSegment.id }, ws.keys.admin));
    });
    afterAll(() => api?.close());

    it('two upserts creating the same new profile keep both: 30 pairs, one sends e-mail and a trait, the other phone and another trait', async () => {
      const pairs = Array.from({ length: 30 }, (_, i) => `pair-${i}`);
      const results = await Promise.all(
        pairs.flatMap((externalId) => [
          api.gql(UPSERT, { input: { externalId, email: `${externalId}@example.com`, traits: { plan: 'pro' } } }, ws.keys.ingest),
          api.gql(UPSERT, { input: { externalId, phone: '+84 90 123 45 67', traits: { seats: 3 } } }, ws.keys.ingest),
        ]),
      );
      expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
      const { rows } = await suite.db.execute(sql`
        select external_id, email, phone, phone_e164, traits from profiles
        where workspace_id = ${ws.workspaceId} and external_id like 'pair-%' order by external_id`);
      expect(rows).toHaveLength(30);
      for (const row of rows as Array<{ external_id: string; email: string | null; phone: string | null; phone_e164: string | null; traits: unknown }>) {
        expect(row).toEqual({ external_id: row.external_id, email: `${row.external_id}@example.com`, phone: '+84 90 123 45 67', phone_e164: '+84901234567', traits: { plan: 'pro', seats: 3 } });
      }
    });

    it('concurrent upsert batches over the same new profiles report exact created and updated counts', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
      const batches = Array.from({ length: 10 }, (_, b) => [...ids].sort(() => Math.random() - 0.5).slice(0, 10 + (b % 3)));
      const results = await Promise.all(
        batches.map((batch, b) => api.gql(UPSERTS, { inputs: batch.map((externalId) => ({ externalId, firstName: `n${b}` })) }, ws.keys.ingest)),
      );
      expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
      const touched = new Set(batches.flat());
      const created = results.reduce((n, r) => n + (r.data as { upsertProfiles: { created: number } }).upsertProfiles.created, 0);
      const updated = results.reduce((n, r) => n + (r.data as { upsertProfiles: { updated: number } }).upsertProfiles.updated, 0);
      expect(created).toBe(touched.size);
      expect(updated).toBe(batches.flat().length - touched.size);
    });

    // On PGlite the second transaction cannot begin while the first waits at the barrier: no deadlock to lose.
    it.skipIf(suite.kind === 'pglite')('a transaction that loses a deadlock is run again, whole: both of two crossing transactions succeed', async () => {
      let attempts = 0;
      let arrived = 0;
      let bothLocked: () => void = () => undefined;
      const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
      const crossing = (first: number, second: number) =>
        inTransaction(suite.db, async (tx) => {
          attempts += 1;
          await tx.execute(sql`select pg_advisory_xact_lock(${first})`);
          if (attempts <= 2) {
            if (++arrived === 2) bothLocked();
            await barrier;
          }
          await tx.execute(sql`select pg_advisory_xact_lock(${second})`);
          return first;
        });
      expect(await Promise.all([crossing(91, 92), crossing(92, 91)])).toEqual([91, 92]);
      expect(attempts).toBe(3);
    });

    it('trackEvents and upsert batches over overlapping profiles in different orders: no error, purchase columns exact', async () => {
      const figures = await runConcurrentWriters(
        (query, variables) => api.gql(query, variables, ws.keys.ingest),
        { clients: 8, durationMs: 2500, profiles: 12, tag: 'mix' },
      );
      expect(figures.errors).toEqual({});
      expect(figures.ok.trackEvents ?? 0).toBeGreaterThan(5);
      expect(figures.ok.upsertProfiles ?? 0).toBeGreaterThan(5);
      const { rows } = await suite.db.execute(sql`
        select count(*)::int as n from profiles p
        where p.workspace_id = ${ws.workspaceId} and p.external_id like 'mix-%'
          and p.purchase_count <> (select count(*) from events e where e.profile_id = p.id and e.name = 'purchase')`);
      expect(rows).toEqual([{ n: 0 }]);
      const stored = await suite.db.execute(sql`select count(*)::int as n from events where workspace_id = ${ws.workspaceId} and event_id like 'mix-%'`);
      expect(stored.rows).toEqual([{ n: figures.acceptedEvents }]);
    });
  },
  ['pglite', 'postgres', 'neon'],
);
