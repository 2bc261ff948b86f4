/**
 * DATABASE_READ_URL against a real streaming standby (test/helpers/replica.ts), through node-postgres
 * and through the Neon driver (local WebSocket relay): listings, previews and export downloads read
 * from the standby, writes go to the primary, a workspace reads its own writes, a standby that
 * stops replaying is left once it is past the staleness bound, and one that is down costs nothing.
 *
 * Where a read went is proven by data, not by trusting the router: a second API process (its own
 * pool on the primary, no read URL) writes while the standby's replay is paused, so a read that
 * misses those rows came from the standby and one that sees them came from the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { databaseOptionsFromEnv, openDatabase, type DatabaseKind, type OpenedDatabase } from '../../../api/db/index.js';
import { readRouterOf } from '../../../api/db/request-connections.js';
import type { ReadRouter } from '../../../api/db/read-routing.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { defineTrait } from '../../../api/traits/traits.service.js';
import { startNeonRelay, useNeonRelay, type NeonRelay } from '../../helpers/neon-relay.js';
import { replicaUnavailable, startReplicaPair, type ReplicaPair } from '../../helpers/replica.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { requestExport, waitForExport } from '../exports/export-helpers.js';

const unavailable = replicaUnavailable();
if (unavailable) console.warn(`read-replica tests skipped: a standby cannot be started on this machine: ${unavailable}`);
/** Generous: the staleness test moves the router's clock past it rather than waiting. */
const STALENESS_MS = 60_000;

it('reads DATABASE_READ_URL and a staleness bound from the environment, refusing a bad bound', () => {
  expect(databaseOptionsFromEnv({ DATABASE_URL: 'postgres://a/b', DATABASE_READ_URL: 'postgres://r/b', DATABASE_READ_MAX_STALENESS_MS: '2500' })).toMatchObject({
    url: 'postgres://a/b',
    readUrl: 'postgres://r/b',
    readRouting: { maxStalenessMs: 2500 },
  });
  expect(() => databaseOptionsFromEnv({ DATABASE_READ_MAX_STALENESS_MS: '2s' })).toThrow(/DATABASE_READ_MAX_STALENESS_MS must be a whole number of milliseconds >= 0, not '2s'/);
});

let pair: ReplicaPair;
let relay: NeonRelay;

describe.skipIf(unavailable !== null)(`DATABASE_READ_URL on a streaming standby${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    pair = await startReplicaPair();
    relay = await startNeonRelay();
    await useNeonRelay(relay);
  }, 120_000);
  afterAll(async () => {
    await relay?.close();
    await pair?.close();
  });

  it('is refused with PGlite, naming both variables', async () => {
    await expect(openDatabase({ dataDir: 'memory://', readUrl: 'postgres://postgres@127.0.0.1:5432/x' })).rejects.toThrow(/DATABASE_READ_URL.*PGlite.*DATABASE_URL/);
  });

  it('does not read from a read URL that is not a standby (it would not follow the primary)', async () => {
    const opened = await openDatabase({ driver: 'postgres', url: pair.primaryUrl, readUrl: pair.primaryUrl, poolMax: 1, migrate: false, readRouting: { probeIntervalMs: 0 } });
    try {
      expect(readRouterOf(opened.db)!.status()).toMatchObject({ up: false, reason: expect.stringMatching(/not a standby/) });
    } finally {
      await opened.close();
    }
  });

  for (const kind of ['postgres', 'neon'] as const satisfies readonly DatabaseKind[]) describeDriver(kind);
});

function describeDriver(kind: 'postgres' | 'neon'): void {
  describe(`[${kind}]`, () => {
    let reader: OpenedDatabase;
    let writer: OpenedDatabase;
    let router: ReadRouter;
    let api: TestApi;
    let other: TestApi;
    let ws: TestWorkspace;
    let quiet: TestWorkspace;
    /** The router's clock, moved forward by the staleness test. */
    let skipped = 0;
    const clock = () => performance.now() + skipped;

    beforeAll(async () => {
      reader = await openDatabase({ driver: kind, url: pair.primaryUrl, readUrl: pair.replicaUrl, poolMax: 4, readRouting: { probeIntervalMs: 0, maxStalenessMs: STALENESS_MS, clock } });
      writer = await openDatabase({ driver: kind, url: pair.primaryUrl, poolMax: 2, migrate: false });
      router = readRouterOf(reader.db)!;
      ws = await createTestWorkspace(writer.db, `Replica ${kind}`);
      quiet = await createTestWorkspace(writer.db, `Quiet ${kind}`);
      await defineTrait(writer.db, ws.workspaceId, 'plan', 'string', null);
      api = await startTestApi(reader.db);
      other = await startTestApi(writer.db);
      await caughtUp();
    }, 60_000);
    afterAll(async () => {
      await pair.resumeReplay().catch(() => undefined);
      await api?.close();
      await other?.close();
      await reader?.close();
      await writer?.close();
    });

    async function caughtUp(): Promise<void> {
      await pair.caughtUp();
      await router.probe();
    }
    const slugs = async (key: string) =>
      dataOf(await api.gql<{ segments: { edges: { node: { slug: string } }[] } }>('{ segments(first: 50) { edges { node { slug } } } }', {}, key)).segments.edges.map((e) => e.node.slug);
    const profileCount = async (key: string) => dataOf(await api.gql<{ profiles: { edges: unknown[] } }>('{ profiles(first: 50) { edges { cursor } } }', {}, key)).profiles.edges.length;
    const preview = async (key: string) =>
      dataOf(await api.gql<{ previewSegment: { size: number; totalProfiles: number } }>('query($r: JSON!) { previewSegment(rule: $r) { size totalProfiles } }', { r: { attr: 'traits.plan', op: 'eq', value: 'pro' } }, key)).previewSegment;
    const eventCount = async (key: string, externalId: string) =>
      dataOf(await api.gql<{ profile: { events: { edges: unknown[] } } }>('query($x: String!) { profile(externalId: $x) { events(first: 50) { edges { cursor } } } }', { x: externalId }, key)).profile.events.edges.length;

    it('reads from the standby: what another process wrote is missing until the standby replays it', async () => {
      expect((await pair.replicaQuery('select pg_is_in_recovery() as r')).rows[0].r).toBe(true);
      await pair.pauseReplay();
      const before = router.status().reads.replica;
      dataOf(await other.gql('mutation { upsertProfile(input: { externalId: "p-1", traits: { plan: "pro" } }) { id } }', {}, ws.keys.editor));
      dataOf(await other.gql('mutation { trackEvents(events: [{ eventId: "e-1", externalId: "p-1", name: "view", timestamp: "2026-01-01T00:00:00Z" }]) { accepted } }', {}, ws.keys.ingest));
      await new SegmentService(writer.db, ws.workspaceId).create({ slug: 'late', name: 'Late', type: 'static' });
      // On the primary all of it is there; this process's reads do not see it: they are on the standby.
      expect((await writer.db.execute(sql`select count(*)::int as n from profiles where workspace_id = ${ws.workspaceId}`)).rows[0]).toEqual({ n: 1 });
      expect(await slugs(ws.keys.viewer)).not.toContain('late');
      expect(await profileCount(ws.keys.viewer)).toBe(0);
      expect(await preview(ws.keys.viewer)).toEqual({ size: 0, totalProfiles: 0 });
      expect(router.status().reads.replica).toBe(before + 3);

      await pair.resumeReplay();
      await caughtUp();
      expect(await slugs(ws.keys.viewer)).toContain('late');
      expect(await profileCount(ws.keys.viewer)).toBe(1);
      expect(await preview(ws.keys.viewer)).toEqual({ size: 1, totalProfiles: 1 });
      expect(await eventCount(ws.keys.viewer, 'p-1')).toBe(1);
      expect(router.status()).toMatchObject({ up: true, reason: null, reads: { replica: before + 7 } });
    });

    it("writes go to the primary and a workspace reads its own writes; other workspaces keep reading the standby", async () => {
      await pair.pauseReplay();
      const created = dataOf(await api.gql('mutation { createSegment(input: { slug: "mine", name: "Mine", type: STATIC }) { slug } }', {}, ws.keys.editor));
      expect(created).toEqual({ createSegment: { slug: 'mine' } });
      const { primary, replica } = router.status().reads;
      // The standby does not have it (replay paused), yet the writer's workspace sees it: from the primary.
      expect(await slugs(ws.keys.viewer)).toContain('mine');
      expect((await pair.replicaQuery(`select count(*)::int as n from segments where slug = 'mine' and workspace_id = '${ws.workspaceId}'`)).rows[0].n).toBe(0);
      await slugs(quiet.keys.viewer);
      expect(router.status().reads).toEqual({ primary: primary + 1, replica: replica + 1 });
      // A REST write (the edge events endpoint) sends its workspace's reads to the primary too.
      await api.fetch('/v1/edge/events', { method: 'POST', key: quiet.keys.edge, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [] }) });
      await slugs(quiet.keys.viewer);
      expect(router.status().reads).toEqual({ primary: primary + 2, replica: replica + 1 });
      await pair.resumeReplay();
      await caughtUp();
      expect(await slugs(ws.keys.viewer)).toContain('mine');
      await slugs(quiet.keys.viewer);
      expect(router.status().reads.replica).toBe(replica + 3);
    });

    it('leaves a standby that stopped replaying once it is past the staleness bound, and comes back when it catches up', async () => {
      await pair.pauseReplay();
      await new SegmentService(writer.db, quiet.workspaceId).create({ slug: 'unseen', name: 'Unseen', type: 'static' });
      await router.probe();
      // Within the bound the standby still serves (without the new segment)...
      expect(await slugs(quiet.keys.viewer)).not.toContain('unseen');
      // ... past it, reads go to the primary and see it.
      skipped += STALENESS_MS + 1;
      await router.probe();
      expect(router.status().reason).toMatch(/more than 60000 ms behind/);
      expect(await slugs(quiet.keys.viewer)).toContain('unseen');
      await pair.resumeReplay();
      await caughtUp();
      expect(router.status()).toMatchObject({ up: true, reason: null });
      const { replica } = router.status().reads;
      expect(await slugs(quiet.keys.viewer)).toContain('unseen');
      expect(router.status().reads.replica).toBe(replica + 1);
    });

    it('keeps reading when the standby is down (from the primary), and uses it again once it is back', async () => {
      pair.stopReplica();
      try {
        await new SegmentService(writer.db, quiet.workspaceId).create({ slug: 'while-down', name: 'While down', type: 'static' });
        // The first read finds the standby unreachable (or the probe does): answered from the primary.
        expect(await slugs(quiet.keys.viewer)).toContain('while-down');
        expect(router.status().up).toBe(false);
        await router.probe();
        expect(router.status()).toMatchObject({ up: false, reason: expect.stringMatching(/unreachable|connection failed/) });
        const { primary } = router.status().reads;
        expect(await profileCount(ws.keys.viewer)).toBe(1);
        expect(router.status().reads.primary).toBe(primary + 1);
      } finally {
        await pair.startReplica();
      }
      await caughtUp();
      expect(router.status().up).toBe(true);
      const { replica } = router.status().reads;
      expect(await slugs(quiet.keys.viewer)).toContain('while-down');
      expect(router.status().reads.replica).toBe(replica + 1);
    });

    it('downloads an export from the standby, and from the primary while the standby is down', async () => {
      const segment = await new SegmentService(writer.db, ws.workspaceId).create({ slug: 'exported', name: 'Exported', type: 'static' });
      await writer.db.execute(sql`
        insert into profiles (workspace_id, external_id, email, consent_ads)
        select ${ws.workspaceId}, 'x-' || i, 'x' || i || '@example.com', true from generate_series(1, 50) as i`);
      await writer.db.execute(sql`
        insert into segment_members (segment_id, profile_id, workspace_id)
        select ${segment.id}, id, workspace_id from profiles where workspace_id = ${ws.workspaceId} and external_id like 'x-%'`);
      const created = await requestExport(api, ws.keys.editor, segment.id, 'META', 'CSV', 'FULL');
      const done = await waitForExport(api, ws.keys.viewer, created.id);
      expect(done.status).toBe('DONE');
      await caughtUp();
      const { replica } = router.status().reads;
      const fromStandby = await api.fetch(done.downloadUrl, { key: ws.keys.editor });
      expect(fromStandby.status).toBe(200);
      const text = await fromStandby.text();
      expect(text.trim().split('\n')).toHaveLength(51);
      expect(router.status().reads.replica).toBe(replica + 1);

      pair.stopReplica();
      try {
        const fromPrimary = await api.fetch(done.downloadUrl, { key: ws.keys.editor });
        expect(fromPrimary.status).toBe(200);
        expect(await fromPrimary.text()).toBe(text);
      } finally {
        await pair.startReplica();
      }
      await caughtUp();
    });
  });
}
