/**
 * Idle keep-alive connections are closed by the server after KEEP_ALIVE_MS (Node's default is 5 s).
 * A client that sends its next request on a connection the server is just closing gets "other side
 * closed"; on PGlite a long statement holds the event loop, so Node's 5 s timer fires late, right
 * when the queued request arrives, and the race became likely (seen under export builds). Behind a
 * load balancer the server's timeout must also outlast the balancer's (60 s is the usual default).
 */
import type { Server } from 'node:http';

export const KEEP_ALIVE_MS = 65_000;

/** Sets the keep-alive and header timeouts of an HTTP server (headers must outlast keep-alive). */
export function tuneKeepAlive(server: unknown): void {
  const http = server as Server;
  http.keepAliveTimeout = KEEP_ALIVE_MS;
  http.headersTimeout = KEEP_ALIVE_MS + 1_000;
}
