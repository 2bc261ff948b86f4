/**
 * `npm run bench:edge`: the edge Worker under `wrangler dev` (workerd, loopback) with 1,000
 * published edge segments served by a stub API. autocannon on POST /v1/tag and, in the same run
 * and the same Worker, on POST /__bench/constant (BENCH_CONSTANT=true: same middleware, constant
 * answer, no cookie/context/evaluation), plus evaluateRuleset in-process on the same ruleset.
 * Options: --duration=<s> (10), --connections=<n> (10), --seed=<int> (20261124).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon, { type Result } from 'autocannon';
import { buildEdgeContext } from '../schema/context.js';
import { compileRuleset, evaluateRuleset, prepareRuleset } from '../schema/ruleset.js';
import { freePort, startWranglerDev } from '../scripts/wrangler-dev.js';
import { generateRequests } from './rules-contexts.js';
import { fmt, formatTable, sink, timePerRequest } from './rules-measure.js';
import { createRandom } from './rules-random.js';
import { generateSegments, validateSegments } from './rules-segments.js';

const option = (name: string, fallback: number): number => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const duration = option('duration', 10);
const connections = option('connections', 10);
const seed = option('seed', 20261124);
const SEGMENTS = 1_000;
const VARIANTS = 200;
const VERSION = 'bench-1000';

const UA: Record<string, string> = {
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  bot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

// 1,000 segments, compiled as the API compiles them, and the requests both sides use.
const random = createRandom(seed);
const definitions = validateSegments(generateSegments(random, SEGMENTS));
const body = JSON.stringify(compileRuleset(definitions, { version: VERSION }));
const now = Date.now();
const generated = generateRequests(random, VARIANTS, now);

// The stub API: the ruleset feed (ETag) and the events endpoint.
let eventsReceived = 0;
const stub: Server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/v1/rulesets/current') {
    const etag = `"${VERSION}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    return void res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  }
  if (req.method === 'POST' && req.url === '/v1/edge/events') {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const events = (JSON.parse(text) as { events: unknown[] }).events.length;
      eventsReceived += events;
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: events, duplicates: 0 }));
    });
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;

console.log(`edge bench: ${SEGMENTS} edge segments (ruleset ${(body.length / 1024).toFixed(0)} KB), ${VARIANTS} request variants, ${connections} connections x ${duration} s per target, Node ${process.version}`);
const edge = await startWranglerDev({
  port: await freePort(),
  inspectorPort: await freePort(),
  logLevel: 'warn',
  vars: { API_URL: apiUrl, EDGE_API_KEY: 'bench-edge-key', COOKIE_SECRET: randomBytes(24).toString('base64url'), DEV_CF_HEADER: 'true', BENCH_CONSTANT: 'true' },
});

try {
  const requests = generated.map(({ request }) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA[request.device.type ?? 'desktop'] ?? UA.desktop!, 'x-ae-dev-cf': JSON.stringify(request.geo) },
    body: JSON.stringify(request.referrer ? { url: request.url, referrer: request.referrer } : { url: request.url }),
  }));
  // Returning visitors: every other variant carries a cookie with a few page views.
  let cookie = '';
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${edge.url}/v1/tag`, { ...requests[i]!, headers: { ...requests[i]!.headers, cookie } });
    cookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? cookie;
    const answer = (await response.json()) as { ruleset: string | null };
    if (answer.ruleset !== VERSION) throw new Error(`the Worker did not load the ruleset: ${JSON.stringify(answer)}`);
  }
  requests.forEach((r, i) => {
    if (i % 2 === 1) Object.assign(r.headers, { cookie });
  });
  let tagged = 0;
  for (const r of requests.slice(0, 50)) {
    const answer = (await (await fetch(`${edge.url}/v1/tag`, r)).json()) as { tags: string[] };
    tagged += answer.tags.length;
  }

  const run = (path: string, seconds: number): Promise<Result> =>
    autocannon({ url: edge.url, connections, duration: seconds, requests: requests.map((r) => ({ ...r, path })) });
  const results: Array<[string, Result]> = [];
  for (const [name, path] of [['POST /__bench/constant (no tagging)', '/__bench/constant'], ['POST /v1/tag (1,000 segments)', '/v1/tag']] as const) {
    await run(path, 2); // warm-up
    results.push([name, await run(path, duration)]);
  }

  // In-process: evaluateRuleset alone on the same ruleset and requests (generated histories).
  const prepared = prepareRuleset(JSON.parse(body));
  if (!prepared.ok) throw new Error('prepareRuleset rejected the ruleset');
  const contexts = generated.map(({ request, history }) => buildEdgeContext(request, history, now));
  const evalTime = timePerRequest(() => contexts.reduce((n, ctx) => n + evaluateRuleset(prepared.ruleset, ctx, now).length, 0), contexts.length, { rounds: 200, warmups: 20, budgetMs: 2000 });

  const rows = results.map(([name, r]) => [name, fmt(r.requests.average, 0), fmt(r.latency.p50, 2), fmt(r.latency.p99, 2), String(r.errors + r.timeouts + r.non2xx), fmt(r.requests.total, 0)]);
  rows.push([`evaluateRuleset in-process (Node, ${VARIANTS} contexts)`, fmt(1e9 / evalTime.ns, 0), `${fmt(evalTime.ns / 1000, 2)} us`, '-', '-', '-']);
  console.log(`\n${formatTable(['target', 'req/s', 'p50 ms', 'p99 ms', 'errors/non-2xx', 'requests'], rows)}`);
  const [constant, tag] = [results[0]![1], results[1]![1]];
  console.log(
    `\n/v1/tag serves ${fmt((tag.requests.average / constant.requests.average) * 100, 0)}% of the constant route's throughput ` +
      `(p50 +${fmt(tag.latency.p50 - constant.latency.p50, 2)} ms); ${tagged} tags on the first 50 variants; ` +
      `${eventsReceived} page views reported to the stub API (sink ${sink % 10}).`,
  );
} finally {
  await edge.stop();
  stub.close();
}
