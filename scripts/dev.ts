/**
 * `npm start`: the API and the edge Worker together, wired to each other, for local development.
 * Starts the API (api/main.ts: PGlite in .data/pglite unless DATABASE_URL; the demo workspace on
 * an empty database), waits for /healthz, reads the dev keys the API keeps in .data/dev-keys.json,
 * then runs `wrangler dev` on 127.0.0.1 with the API URL, the edge key, a cookie secret and an
 * identify secret (made once, kept in .data/dev-edge.json; the identify secret is also the API's
 * IDENTIFY_SECRET, so its issueIdentifyToken tokens pass the Worker) as vars. Ctrl-C stops both.
 * Then serves the demo shop page (scripts/demo-page.ts) on 127.0.0.1:DEMO_PORT, an allowed origin of the Worker.
 * It also gives the API an instance admin token (ADMIN_TOKEN: workspace administration), the
 * caller's own when set, else one made once and kept in .data/dev-edge.json, and prints it.
 * Env: PORT (API, 4000), EDGE_PORT (8787), DEMO_PORT (3000; 0 turns the demo page off), ADMIN_TOKEN.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DevKeys } from '../api/dev-keys.js';
import { startDemoPageServer, type DemoPageServer } from './demo-page.js';
import { generateAdminToken, MIN_ADMIN_TOKEN_LENGTH } from '../api/admin/instance-token.js';
import { forwardLines, ROOT, signalGroup, startWranglerDev, stopChild, waitForHttp, type WranglerDev } from './wrangler-dev.js';

const apiPort = Number(process.env.PORT ?? 4000);
const edgePort = Number(process.env.EDGE_PORT ?? 8787);
const demoPort = Number(process.env.DEMO_PORT ?? 3000);
for (const [name, port] of [['PORT', apiPort], ['EDGE_PORT', edgePort], ['DEMO_PORT', demoPort]] as const) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`[dev]  ${name} must be a port number (0-65535), not '${process.env[name]}'`);
    process.exit(1);
  }
}
const apiUrl = `http://127.0.0.1:${apiPort}`;
const dataDir = join(ROOT, '.data');
const keysFile = join(dataDir, 'dev-keys.json');
const edgeFile = join(dataDir, 'dev-edge.json');
const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

/**
 * The Worker's cookie secret and the identify secret it shares with the API: random, made on the
 * first start (each when missing) and kept so cookies and tokens survive restarts.
 */
function devSecrets(): { cookieSecret: string; identifySecret: string; adminToken: string } {
  mkdirSync(dataDir, { recursive: true });
  const saved = (existsSync(edgeFile) ? JSON.parse(readFileSync(edgeFile, 'utf8')) : {}) as Record<string, unknown>;
  const usable = (value: unknown): value is string => typeof value === 'string' && value.length >= 16;
  const secrets = {
    cookieSecret: usable(saved.cookieSecret) ? saved.cookieSecret : randomBytes(32).toString('base64url'),
    identifySecret: usable(saved.identifySecret) ? saved.identifySecret : randomBytes(32).toString('base64url'),
    adminToken: typeof saved.adminToken === 'string' && saved.adminToken.length >= MIN_ADMIN_TOKEN_LENGTH ? saved.adminToken : generateAdminToken(),
  };
  if (secrets.cookieSecret !== saved.cookieSecret || secrets.identifySecret !== saved.identifySecret || secrets.adminToken !== saved.adminToken) {
    writeFileSync(edgeFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
const secrets = devSecrets();
/** The caller's ADMIN_TOKEN wins over the generated one (and is not printed). */
const adminToken = process.env.ADMIN_TOKEN || secrets.adminToken;

const api = spawn(process.execPath, [TSX, 'api/main.ts'], {
  cwd: ROOT,
  env: { ...process.env, PORT: String(apiPort), HOST: '127.0.0.1', DEV_KEYS_FILE: keysFile, IDENTIFY_SECRET: secrets.identifySecret, ADMIN_TOKEN: adminToken },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
forwardLines(api, (line) => console.log(`[api]  ${line}`));
let edge: WranglerDev | undefined;
let demo: DemoPageServer | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all([edge?.stop(), stopChild(api, 10_000), demo?.close()]);
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
api.once('exit', (code) => {
  if (!stopping) console.error(`[dev]  the API exited (${code}); stopping the Worker`);
  void shutdown(code ?? 1);
});

try {
  await waitForHttp(`${apiUrl}/healthz`, 180_000, api);
  const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as DevKeys;
  console.log(`[dev]  API up; starting wrangler dev on 127.0.0.1:${edgePort}`);
  edge = await startWranglerDev({
    port: edgePort,
    vars: {
      API_URL: apiUrl,
      EDGE_API_KEY: keys.edgeKey,
      COOKIE_SECRET: secrets.cookieSecret,
      IDENTIFY_SECRET: secrets.identifySecret,
      DEV_CF_HEADER: 'true',
      ...(demoPort > 0 ? { ALLOWED_ORIGINS: `http://127.0.0.1:${demoPort},http://localhost:${demoPort}` } : {}),
    },
    onLine: (line) => console.log(`[edge] ${line}`),
  });
  edge.child.once('exit', (code) => {
    if (!stopping) console.error(`[dev]  wrangler dev exited (${code}); stopping the API`);
    void shutdown(code ?? 1);
  });
  if (demoPort > 0) demo = await startDemoPageServer({ port: demoPort, edgeUrl: edge.url });
  console.log(
    [
      '',
      'Audience Edge is running (Ctrl-C stops it):',
      `  API      ${apiUrl}/graphql   (GraphQL IDE in a browser; health: ${apiUrl}/healthz)`,
      `  Edge     ${edge.url}/v1/tag   (tag.js: ${edge.url}/v1/tag.js)`,
      ...(demo ? [`  Demo     ${demo.url}/?utm_campaign=black-friday   (a shop page tagged by the Worker; open /pricing three times)`] : []),
      `  Admin key  ${keys.adminKey}`,
      `  Edge key   ${keys.edgeKey}   (the Worker already has it)`,
      `  Instance admin token  ${process.env.ADMIN_TOKEN ? '(your ADMIN_TOKEN)' : `${adminToken}   (createWorkspace, workspaces, renameWorkspace, deleteWorkspace)`}`,
      `  Keys are kept in .data/dev-keys.json, secrets in .data/dev-edge.json (git-ignored). Test geography: header x-ae-dev-cf: {"country":"VN"}`,
      '',
    ].join('\n'),
  );
} catch (error) {
  console.error(`[dev]  ${(error as Error).message}`);
  signalGroup(api, 'SIGTERM');
  await shutdown(1);
}
