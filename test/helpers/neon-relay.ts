/**
 * A local WebSocket-to-TCP relay, so that the Neon serverless driver (which speaks PostgreSQL over a
 * WebSocket) can be tested against the machine's real PostgreSQL. Listens on 127.0.0.1 at path /v1,
 * reads `?address=host:port`, allows loopback targets only, relays binary frames both ways.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData } from 'ws';

export interface NeonRelay {
  port: number;
  /** For `neonConfig.wsProxy`. */
  wsProxy(host: string, port: number | string): string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function parseAddress(raw: string | null): { host: string; port: number } | null {
  if (!raw) return null;
  const colon = raw.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = raw.slice(0, colon);
  const port = Number(raw.slice(colon + 1));
  if (!LOOPBACK.has(host) || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

export async function startNeonRelay(): Promise<NeonRelay> {
  const http: Server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const target = url.pathname === '/v1' ? parseAddress(url.searchParams.get('address')) : null;
    if (!target) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tcp = connect(target.port, target.host);
      const pending: Buffer[] = [];
      let connected = false;
      tcp.on('connect', () => {
        connected = true;
        for (const chunk of pending.splice(0)) tcp.write(chunk);
      });
      ws.on('message', (data: RawData) => {
        const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (connected) tcp.write(chunk);
        else pending.push(chunk);
      });
      tcp.on('data', (chunk) => ws.send(chunk, { binary: true }));
      ws.on('close', () => tcp.destroy());
      ws.on('error', () => tcp.destroy());
      tcp.on('close', () => ws.close());
      tcp.on('error', () => ws.close());
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    port,
    wsProxy: (host, targetPort) => `127.0.0.1:${port}/v1?address=${host}:${targetPort}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Points this process's Neon driver at `relay` (plain WebSockets, no TLS, no pipelining: the relay speaks to local PostgreSQL). */
export async function useNeonRelay(relay: NeonRelay): Promise<void> {
  const { neonConfig } = await import('@neondatabase/serverless');
  const { WebSocket } = await import('ws');
  neonConfig.webSocketConstructor = WebSocket;
  neonConfig.wsProxy = relay.wsProxy;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}
