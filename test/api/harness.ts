/**
 * End-to-end harness of the API tests: a real HTTP server (@hono/node-server on port 0) over the
 * suite's database, a GraphQL client with a bearer key, and workspaces with one key per role.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Database } from '../../api/db/index.js';
import { tuneKeepAlive } from '../../api/http/keep-alive.js';
import { createApiApp, type ApiAppOptions } from '../../api/http/app.js';
import { NO_KEY_LIMITS } from '../../api/http/key-limiter.js';
import { createApiKey, createWorkspace } from '../../api/auth/auth.service.js';
import type { ApiRole } from '../../drizzle/index.js';
import { startLocalJobRunner, type LocalJobRunner } from '../../api/jobs/local-runner.js';
import { TASKS } from '../../api/jobs/tasks.js';

export const ALL_ROLES: readonly ApiRole[] = ['admin', 'editor', 'viewer', 'ingest', 'edge'];

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: readonly (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }>;
}

export interface TestApi {
  url: string;
  /** The server's job queue: a local runner over the suite's database (settle() waits for due jobs). */
  jobs: LocalJobRunner;
  /** POSTs a GraphQL operation with `key` as the bearer (none when null). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResult<T>>;
  fetch(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A test server over `db`. Per-key limits are off unless `options.limits` sets them (test/api/graphql/
 * limits*.test.ts do): the other suites send many costly operations with one key in a burst.
 */
export async function startTestApi(db: Database, now?: () => Date, options: Omit<ApiAppOptions, 'db' | 'now' | 'jobs'> = {}): Promise<TestApi> {
  const jobs = await startTestJobs(db);
  const app = createApiApp({ db, jobs, now, limits: NO_KEY_LIMITS, ...options });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  tuneKeepAlive(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key) headers.set('authorization', `Bearer ${init.key}`);
    return fetch(url + path, { ...init, headers });
  };
  return {
    url,
    jobs,
    fetch: call,
    async gql(query, variables, key) {
      const response = await call('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        key,
      });
      const body = (await response.json()) as GraphQLResult<any>;
      return { ...body, status: response.status };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
    },
  };
}

/** A local job runner over `db` with every task, polling often (tests wait for retries and due jobs). */
export function startTestJobs(db: Database, options: { runWorkers?: boolean; sliceMs?: number } = {}): Promise<LocalJobRunner> {
  return startLocalJobRunner(db, TASKS, { pollMs: 100, ...options });
}

export interface TestWorkspace {
  workspaceId: string;
  keys: Record<ApiRole, string>;
}

/** A workspace with one key of every role. */
export async function createTestWorkspace(db: Database, name = 'Test'): Promise<TestWorkspace> {
  const { workspace, adminKey } = await createWorkspace(db, name);
  const keys = { admin: adminKey } as Record<ApiRole, string>;
  for (const role of ALL_ROLES) {
    if (role !== 'admin') keys[role] = (await createApiKey(db, workspace.id, `${role} key`, role)).key;
  }
  return { workspaceId: workspace.id, keys };
}

/** The data of a result, failing loudly with its errors. */
export function dataOf<T>(result: GraphQLResult<T>): T {
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export function codeOf(result: GraphQLResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
