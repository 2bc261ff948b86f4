import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chooseDriver } from '../../../api/db/index.js';
import { profiles, workspaces } from '../../../drizzle/index.js';
import { describeEachDatabase } from '../../helpers/db.js';

describe('chooseDriver', () => {
  it('picks PGlite without a URL, node-postgres for postgres URLs and Neon for neon.tech hosts', () => {
    expect(chooseDriver(undefined)).toBe('pglite');
    expect(chooseDriver('postgres://u@127.0.0.1:5432/db')).toBe('postgres');
    expect(chooseDriver('postgres://u:p@ep-cool-1.eu-central-1.aws.neon.tech/db?sslmode=require')).toBe('neon');
    expect(chooseDriver('postgres://u@127.0.0.1/db', 'neon')).toBe('neon');
  });

  it('rejects an unknown driver and a malformed URL', () => {
    expect(() => chooseDriver(undefined, 'mysql')).toThrow(/pglite, postgres or neon/);
    expect(() => chooseDriver('not a url')).toThrow(/not a valid URL/);
  });
});

describeEachDatabase(
  'database',
  (suite) => {
    it('applies the migrations (every table exists)', async () => {
      const result = await suite.db.execute<{ n: number }>(
        sql`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in
          ('workspaces','api_keys','trait_definitions','profiles','profile_visitors','profile_tombstones','events',
           'categories','segments','segment_versions','segment_members','segment_size_history','rulesets')`,
      );
      expect(result.rows[0]?.n).toBe(13);
    });

    it('commits a transaction and rolls back a failed one', async () => {
      const [ws] = await suite.db.insert(workspaces).values({ name: 'tx' }).returning();
      await expect(
        suite.db.transaction(async (tx) => {
          await tx.insert(profiles).values({ workspaceId: ws!.id, externalId: 'rolled-back' });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await suite.db.transaction(async (tx) => {
        await tx.insert(profiles).values({ workspaceId: ws!.id, externalId: 'kept', traits: { plan: 'pro' } });
      });
      const rows = await suite.db.select().from(profiles).where(eq(profiles.workspaceId, ws!.id));
      expect(rows.map((r) => r.externalId)).toEqual(['kept']);
      expect(rows[0]?.traits).toEqual({ plan: 'pro' });
      expect(rows[0]?.createdAt).toBeInstanceOf(Date);
    });

    it('enforces unique external ids per workspace but allows many anonymous profiles', async () => {
      const [ws] = await suite.db.insert(workspaces).values({ name: 'uq' }).returning();
      await suite.db.insert(profiles).values([{ workspaceId: ws!.id }, { workspaceId: ws!.id }]);
      await suite.db.insert(profiles).values({ workspaceId: ws!.id, externalId: 'x' });
      await expect(suite.db.insert(profiles).values({ workspaceId: ws!.id, externalId: 'x' })).rejects.toThrow();
    });
  },
  ['pglite', 'postgres', 'neon'],
);
