/**
 * GraphQL throughput with autocannon on loopback: each server runs in its own child process
 * (db-http-server.ts) so that autocannon, in this process, does not share its event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { average: number; p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;
const SERVER = fileURLToPath(new URL('./db-http-server.ts', import.meta.url));

export interface Served {
  url: string;
  /** The admin key of the workspace the server seeded itself (`api` on PGlite), if any. */
  key?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `db-http-server.ts <mode>` and resolves once it listens. `nodeArgs` go to the child's
 * node (e.g. `--cpu-prof`).
 */
export function startServer(mode: 'api' | 'hello', env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER, mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${mode} server did not start within 180 s`)), 180_000);
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${match[1]}/graphql`,
        key: /^key (\S+)$/m.exec(out)?.[1],
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      });
    });
  });
}

export interface Throughput {
  rps: number;
  latencyP50: number;
  latencyP99: number;
  total: number;
  failures: number;
}

/** POSTs `query` for `seconds` with `connections` connections; checks one response first. */
export async function measure(url: string, query: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Throughput> {
  const allHeaders = { 'content-type': 'application/json', ...headers };
  const body = JSON.stringify({ query });
  const probe = await fetch(url, { method: 'POST', headers: allHeaders, body });
  const json = (await probe.json()) as { data?: unknown; errors?: unknown };
  if (probe.status !== 200 || json.errors || !json.data) throw new Error(`${url} answered ${probe.status}: ${JSON.stringify(json).slice(0, 300)}`);
  // A short warm-up (JIT, connection pools), not counted.
  await autocannon({ url, method: 'POST', headers: allHeaders, body, connections, duration: 2 });
  const result = await autocannon({ url, method: 'POST', headers: allHeaders, body, connections, duration: seconds });
  return {
    rps: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
