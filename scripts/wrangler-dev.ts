/**
 * Starts and stops `wrangler dev` (the edge Worker on workerd) offline on loopback: shared by
 * `npm start` (scripts/dev.ts), the end-to-end test and `npm run bench:edge`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = fileURLToPath(new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url));

/** The environment wrangler dev needs to work without network access. */
export const OFFLINE_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' } as const;

export interface WranglerDevOptions {
  port: number;
  /** Worker vars, passed as `--var KEY:VALUE` (over wrangler.toml's [vars]). */
  vars: Record<string, string>;
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none';
  inspectorPort?: number;
  /** Receives each output line (stdout and stderr); default: kept for the error message only. */
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Where wrangler dev keeps its local KV and cache (`--persist-to`); default .wrangler/state. */
  persistTo?: string;
}

export interface WranglerDev {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `url` until it answers `status` (default 200) or the child exits or time runs out. */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
}

/** Signals a detached child's whole process group (wrangler and its workerd). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Stops a detached child: SIGTERM to its group, SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

/** Forwards a child's output line by line. */
export function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const args = [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(options.port), '--show-interactive-dev-session=false'];
  if (options.inspectorPort) args.push('--inspector-port', String(options.inspectorPort));
  if (options.logLevel) args.push('--log-level', options.logLevel);
  if (options.persistTo) args.push('--persist-to', options.persistTo);
  for (const [key, value] of Object.entries(options.vars)) args.push('--var', `${key}:${value}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  forwardLines(child, (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onLine?.(line);
  });
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(`${url}/v1/tag.js`, options.readyTimeoutMs ?? 60_000, child);
  } catch (error) {
    await stopChild(child);
    throw new Error(`wrangler dev did not start: ${(error as Error).message}\n${tail.join('\n')}`);
  }
  return {
    url,
    child,
    stop: async () => {
      await stopChild(child);
      process.removeListener('exit', killOnExit);
    },
  };
}
