/** The reference of the GraphQL throughput benches: a bare @apollo/server hello world behind the API's own Hono adapter. */
import { ApolloServer } from '@apollo/server';
import { Hono } from 'hono';
import { apolloHandler } from '../api/http/apollo.js';
import type { ApiEnv } from '../api/http/env.js';
import type { RequestContext } from '../api/context.js';

export async function helloApp(): Promise<Hono<ApiEnv>> {
  const server = new ApolloServer<RequestContext>({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
  await server.start();
  const app = new Hono<ApiEnv>();
  app.post('/graphql', apolloHandler(server));
  return app;
}

/** The bench measures one key's throughput: per-key limits as high as they go (still charged, so their overhead counts). */
export const BENCH_LIMITS = { costPerSecond: 1_000_000_000, burst: 1_000_000_000, concurrency: 100_000 };
