/**
 * A small Apollo integration for Hono over `executeHTTPGraphQLRequest`: headers into a HeaderMap,
 * JSON bodies parsed, complete and chunked (incremental delivery) responses passed back.
 */
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Context } from 'hono';
import type { RequestContext } from '../context.js';
import { BadInputError } from '../errors.js';
import type { ApiEnv } from './env.js';
import { previewCountsFor } from '../segments/preview/previews.js';

/** The `?...` part of a request URL (what `new URL(url).search` gives, without parsing the URL). */
function searchOf(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return '';
  const hash = url.indexOf('#', query);
  const search = hash === -1 ? url.slice(query) : url.slice(query, hash);
  return search === '?' ? '' : search;
}

export function apolloHandler(server: ApolloServer<RequestContext>) {
  return async (c: Context<ApiEnv>): Promise<Response> => {
    const headers = new HeaderMap();
    c.req.raw.headers.forEach((value, key) => headers.set(key, value));
    let body: unknown;
    if (c.req.method === 'POST' && (c.req.header('content-type') ?? '').includes('application/json')) {
      try {
        body = await c.req.json();
      } catch {
        throw new BadInputError('The request body is not valid JSON');
      }
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: c.req.method.toUpperCase(), headers, search: searchOf(c.req.url), body },
      context: async () => {
        const db = c.get('db');
        // A server without a database (the bench's bare hello world behind this adapter) has no previews.
        return { db, jobs: c.get('jobs'), caller: c.get('caller'), instance: c.get('instance'), now: c.get('now'), memo: new Map(), origin: publicOrigin(c.req.url), previews: db ? previewCountsFor(db) : undefined };
      },
    });
    const out = new Headers();
    for (const [key, value] of response.headers) out.set(key, value);
    const status = response.status ?? 200;
    if (response.body.kind === 'complete') return new Response(response.body.string, { status, headers: out });
    const chunks = response.body.asyncIterator;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
    });
    return new Response(stream, { status, headers: out });
  };
}

/** Where links the API hands out point: PUBLIC_API_URL (behind a proxy or a load balancer), else the origin the request came to. */
function publicOrigin(requestUrl: string): string {
  const configured = process.env.PUBLIC_API_URL;
  return (configured ? configured : new URL(requestUrl).origin).replace(/\/+$/, '');
}
