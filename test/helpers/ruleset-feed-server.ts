/**
 * A real HTTP server playing the API's ruleset feed for the workerd tests (vitest globalSetup of the
 * `workers` project): the Worker fetches it over the network, and the server counts what it was
 * asked. Each test makes its own feed (`POST /__feeds` -> { id }), served at `/f/<id>/v1/...`, so
 * tests never share a feed URL, a cache key or a KV entry. A test sets the feed's answer with
 * `PUT /__feeds/<id>` { mode?, ruleset?, etag?, byAuth? } and reads the requests (ruleset calls and
 * events posts) with `GET /__feeds/<id>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the ruleset feed server. */
    rulesetFeedServer: string;
  }
}

/** down: the connection is dropped; hang: no answer until the client gives up. */
export type FeedMode = 'ok' | 'down' | 'hang' | 'status500' | 'garbage' | 'revoked' | 'forbidden';

interface Feed {
  mode: FeedMode;
  ruleset: unknown;
  etag: string;
  calls: Array<{ auth: string | null; ifNoneMatch: string | null }>;
  /**
   * Several workspaces on one API (SITES): the answer for each `Authorization` header; when set, a
   * key not among them is refused with 401, as the API refuses an unknown key.
   */
  byAuth?: Record<string, { ruleset: unknown; etag: string }>;
  /** The events posts received, with their `Authorization` header. */
  eventPosts: Array<{ auth: string | null; events: unknown[] }>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function answerFeed(feed: Feed, req: IncomingMessage, res: ServerResponse): void {
  const ifNoneMatch = req.headers['if-none-match'] ?? null;
  feed.calls.push({ auth: req.headers.authorization ?? null, ifNoneMatch: Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch });
  switch (feed.mode) {
    case 'down':
      req.socket.destroy();
      return;
    case 'hang':
      return;
    case 'status500':
      res.writeHead(500).end('boom');
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return;
    case 'revoked':
      return json(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'API key revoked' } });
    case 'forbidden':
      return json(res, 403, { error: { code: 'FORBIDDEN', message: 'workspace deleted' } });
    case 'ok': {
      const answer = feed.byAuth ? feed.byAuth[req.headers.authorization ?? ''] : { ruleset: feed.ruleset, etag: feed.etag };
      if (!answer) return json(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'unknown key' } });
      if (ifNoneMatch === answer.etag) {
        res.writeHead(304, { etag: answer.etag }).end();
        return;
      }
      return json(res, 200, answer.ruleset, { etag: answer.etag, 'cache-control': 'private, no-cache' });
    }
  }
}

export function startRulesetFeedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const feeds = new Map<string, Feed>();
  let next = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://feed').pathname;
      if (req.method === 'POST' && path === '/__feeds') {
        const id = `feed${++next}`;
        feeds.set(id, { mode: 'ok', ruleset: null, etag: '"etag-1"', calls: [], eventPosts: [] });
        return json(res, 201, { id });
      }
      const control = /^\/__feeds\/([^/]+)$/.exec(path);
      const served = /^\/f\/([^/]+)(\/.*)$/.exec(path);
      const feed = feeds.get(control?.[1] ?? served?.[1] ?? '');
      if (!feed) return json(res, 404, { error: 'no such feed' });
      if (control && req.method === 'PUT') {
        Object.assign(feed, JSON.parse(await readBody(req)) as Partial<Feed>);
        return json(res, 200, { ok: true });
      }
      if (control) return json(res, 200, { calls: feed.calls, eventPosts: feed.eventPosts });
      if (served?.[2] === '/v1/rulesets/current') return answerFeed(feed, req, res);
      if (served?.[2] === '/v1/edge/events') {
        const { events } = JSON.parse(await readBody(req)) as { events: unknown[] };
        feed.eventPosts.push({ auth: req.headers.authorization ?? null, events });
        return json(res, 202, { accepted: events.length, duplicates: 0, rejected: [] });
      }
      return json(res, 404, { error: 'not found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** vitest globalSetup: one server for the `workers` project, its URL given to the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRulesetFeedServer();
  project.provide('rulesetFeedServer', server.url);
  return () => server.close();
}
