/**
 * The bench database: a fresh `ae_bench_<timestamp>` created through the admin connection
 * (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end.
 */
import pg from 'pg';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL): Promise<BenchDatabase> {
  const name = `ae_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A plain client on the bench database, for bench machinery (load, EXPLAIN) outside the project's pool. */
export async function benchClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
