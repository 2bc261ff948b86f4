/**
 * The real API (api/main.ts) as a child process, one node process (tsx as a loader, so its pid is
 * the process holding the database and kill -9 hits it), on a port of its own choosing; and the
 * same for a worker process (`npm run worker`, api/worker.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ApiProcess {
  pid: number;
  url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ApiProcessOptions {
  /** Modules node loads before api/main.ts (`--import`, after tsx), e.g. a test's driver setup. */
  imports?: string[];
}

/** Starts the API; resolves once it listens, rejects (with its output) if it exits or takes longer than `timeoutMs`. */
export function startApiProcess(env: Record<string, string>, timeoutMs = 60_000, options: ApiProcessOptions = {}): Promise<ApiProcess> {
  return startProcess('api/main.ts', /Audience Edge API on (http:\/\/[\d.]+:\d+)\/graphql/, env, timeoutMs, options);
}

/** Starts a worker (no HTTP: its `url` is empty); resolves once its workers run. */
export function startWorkerProcess(env: Record<string, string>, timeoutMs = 60_000, options: ApiProcessOptions = {}): Promise<ApiProcess> {
  return startProcess('api/worker.ts', /Audience Edge worker running()/, env, timeoutMs, options);
}

function startProcess(entry: string, ready: RegExp, env: Record<string, string>, timeoutMs: number, options: ApiProcessOptions): Promise<ApiProcess> {
  const started = spawnApi(env, entry, options);
  return new Promise<ApiProcess>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      started.child.kill('SIGKILL');
      reject(new Error(`${entry} process ${why}:\n${started.output()}`));
    };
    started.child.stdout.on('data', () => {
      const match = ready.exec(started.output());
      if (!match) return;
      clearTimeout(timer);
      resolve({ ...started.api, url: match[1]! });
    });
    void started.api.exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal})`));
  });
}

/** Runs the API (or another entry: api/worker.ts) and waits for it to exit by itself (a refused start). */
export async function runApiProcessToExit(env: Record<string, string>, timeoutMs = 60_000, entry = 'api/main.ts') {
  const { child, api } = spawnApi(env, entry);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await api.exited;
  clearTimeout(timer);
  return { ...result, pid: api.pid, output: api.output() };
}

function spawnApi(env: Record<string, string>, entry = 'api/main.ts', options: ApiProcessOptions = {}) {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_DRIVER', 'DEV_KEYS_FILE']) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.imports ?? []).flatMap((m) => ['--import', m]), entry], {
    cwd: ROOT,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', REFRESH_INTERVAL_MINUTES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const api = {
    pid: child.pid!,
    output: () => text,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return { child, api, output: api.output };
}
