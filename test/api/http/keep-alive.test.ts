/**
 * The keep-alive timeouts of the real API process (api/main.ts, api/http/keep-alive.ts), seen from
 * a raw TCP connection as a load balancer or a pooling client sees them: the server advertises
 * `Keep-Alive: timeout=65` (longer than the usual 60 s of a balancer's idle timeout), and a
 * connection left idle past Node's default of 5 s still takes the next request. With the default,
 * the server closed it at 5 s, and a client reusing it just then got "other side closed".
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_MS } from '../../../api/http/keep-alive.js';
import { startApiProcess, type ApiProcess } from '../../helpers/api-process.js';
import { createServerDatabase } from '../../helpers/db.js';
import { prepareTarget } from '../../helpers/kill-cycles.js';

/** Node's own keep-alive timeout, which the API must outlast. */
const NODE_DEFAULT_KEEP_ALIVE_MS = 5_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
}

/** One HTTP/1.1 connection, read by hand: each `request` writes a request and reads one whole response. */
class RawConnection {
  private buffer = '';
  private waiting: (() => void) | undefined;
  closed = false;

  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  async request(path: string): Promise<RawResponse> {
    if (this.closed) throw new Error('the server closed the connection');
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: api\r\nConnection: keep-alive\r\n\r\n`);
    for (;;) {
      const response = this.take();
      if (response) return response;
      if (this.closed) throw new Error('the server closed the connection');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /** The first whole response in the buffer (content-length bodies), removed from it. */
  private take(): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (Buffer.byteLength(this.buffer.slice(end + 4)) < length) return undefined;
    this.buffer = this.buffer.slice(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers };
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('HTTP keep-alive of the API process', () => {
  let api: ApiProcess;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const server = await createServerDatabase();
    drop = server.drop;
    await prepareTarget({ kind: 'postgres', url: server.url });
    api = await startApiProcess({ DATABASE_URL: server.url });
  }, 120_000);
  afterAll(async () => {
    await api?.kill('SIGTERM');
    await drop?.();
  });

  it('advertises a keep-alive timeout longer than a load balancer idle timeout of 60 s', async () => {
    const connection = await RawConnection.open(api.url);
    try {
      const response = await connection.request('/healthz');
      expect(response.status).toBe(200);
      expect(response.headers.connection).toBe('keep-alive');
      expect(response.headers['keep-alive']).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
      expect(KEEP_ALIVE_MS).toBeGreaterThan(60_000);
    } finally {
      connection.close();
    }
  });

  it("answers the next request on a connection left idle past Node's default keep-alive timeout", { timeout: 60_000 }, async () => {
    const connection = await RawConnection.open(api.url);
    try {
      expect((await connection.request('/healthz')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, NODE_DEFAULT_KEEP_ALIVE_MS + 2_000));
      expect(connection.closed).toBe(false);
      expect((await connection.request('/healthz')).status).toBe(200);
    } finally {
      connection.close();
    }
  });
});
