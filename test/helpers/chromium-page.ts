/**
 * A real headless Chromium (Debian's /usr/bin/chromium, which .ci/run installs) driven over the
 * DevTools protocol: one browser profile (cookies kept between page views, as a visitor's browser
 * keeps them), a page to navigate and evaluate scripts in. Just enough protocol for end-to-end
 * tests of pages; no automation library.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface BrowserPage {
  /** Opens `url` and resolves once its load event fired. */
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page (awaiting a promise it returns) and returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** The browser's cookies (all sites). */
  cookies(): Promise<Array<{ name: string; domain: string; value: string }>>;
  close(): Promise<void>;
}

export async function openChromiumPage(timeoutMs = 30_000): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'ae-chromium-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--remote-debugging-port=0'];
  const child: ChildProcess = spawn(CHROMIUM, [...flags, `--user-data-dir=${join(dir, 'profile')}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const wsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not open DevTools in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${stderr}`)));
  });
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
  let nextId = 1;
  const pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();
  const listeners = new Set<(message: { method: string; sessionId?: string; params: any }) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${message.error.message} (${message.error.code})`));
      else waiter?.resolve(message.result);
    } else for (const listen of listeners) listen(message);
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, sessionId);
  await send('Runtime.enable', {}, sessionId);

  return {
    async goto(url) {
      const loaded = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${url} did not load in ${timeoutMs} ms`)), timeoutMs);
        const listen = (message: { method: string; sessionId?: string }) => {
          if (message.sessionId !== sessionId || message.method !== 'Page.loadEventFired') return;
          clearTimeout(timer);
          listeners.delete(listen);
          resolve();
        };
        listeners.add(listen);
      });
      const navigated = await send('Page.navigate', { url }, sessionId);
      if (navigated.errorText) throw new Error(`${url}: ${navigated.errorText}`);
      await loaded;
    },
    async evaluate<T>(expression: string) {
      const result = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (result.exceptionDetails) throw new Error(`${expression.slice(0, 80)}: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
      return result.result.value as T;
    },
    async cookies() {
      return (await send('Storage.getCookies', {})).cookies;
    },
    async close() {
      socket.close();
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
