/**
 * `npm run bench:rules`: 1,000 edge segments x 10,000 request contexts, this project's compiled
 * ruleset against the reference evaluator, GrowthBook's evalCondition and json-logic-js.
 * Options: --seed=<int> (default 20261124), --slow=<requests> for the slow evaluators (default 2000).
 */
import { compileRuleset, prepareRuleset } from '../schema/ruleset.js';
import { checkAgreement } from './rules-agreement.js';
import { buildContexts, generateRequests } from './rules-contexts.js';
import { buildEvaluators } from './rules-evaluators.js';
import { fmt, formatTable, sink, timeCall, timePerRequest, verdict, type CallTiming, type RequestTiming } from './rules-measure.js';
import { createRandom } from './rules-random.js';
import { generateSegments, validateSegments } from './rules-segments.js';

const SEGMENTS = 1_000;
const REQUESTS = 10_000;
const TARGET_US_PER_REQUEST = 5;
const TARGET_SPEEDUP = 50;
const TARGET_COMPILE_MS = 5;
/** Every request is evaluated at this instant, so competitors' rules can hold absolute windows. */
const NOW = Date.UTC(2026, 10, 24, 9, 30);

const option = (name: string, fallback: number): number => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const seed = option('seed', 20261124);
const slowRequests = Math.min(REQUESTS, option('slow', 2_000));
const started = process.hrtime.bigint();

const random = createRandom(seed);
const definitions = validateSegments(generateSegments(random, SEGMENTS));
const contexts = buildContexts(generateRequests(random, REQUESTS, NOW), NOW);
console.log(`rules bench: ${SEGMENTS} segments (all valid, edge scope) x ${REQUESTS} requests, seed ${seed}, Node ${process.version}`);

const compile = timeCall(() => compileRuleset(definitions, { version: 'bench' }), 20, 30);
const ruleset = compileRuleset(definitions, { version: 'bench' });
const json = JSON.stringify(ruleset);
const prepareOnce = () => {
  const result = prepareRuleset(JSON.parse(json));
  if (!result.ok) throw new Error(`prepareRuleset rejected the compiled ruleset: ${result.errors.slice(0, 5).join('; ')}`);
  return result.ruleset;
};
const prepare = timeCall(prepareOnce, 20, 30);
const parse = timeCall(() => JSON.parse(json), 20, 30);
const prepared = prepareOnce();

const setup = buildEvaluators(definitions, prepared, contexts, slowRequests, NOW);
const [ours, ...others] = setup.evaluators;
if (!ours) throw new Error('no evaluators');

const agreement = checkAgreement(ours, others, slowRequests);
let tagTotal = 0;
const matched = new Set<string>();
for (let i = 0; i < REQUESTS; i++) {
  const tags = ours.tags(i);
  tagTotal += tags.length;
  for (const tag of tags) matched.add(tag);
}
console.log(`  realism: ${fmt(tagTotal / REQUESTS, 1)} tags per request on average; ${matched.size} of ${SEGMENTS} segments match at least one request`);
console.log(`\nAgreement with ours on the first ${slowRequests} requests (${fmt(slowRequests * SEGMENTS, 0)} segment decisions each):`);
for (const a of agreement) {
  console.log(`  ${a.name.padEnd(32)} ${a.agreeing}/${slowRequests} requests agree, ${a.differingDecisions} decisions differ`);
}
const disagreeing = agreement.filter((a) => a.differingDecisions > 0);
if (disagreeing.length > 0) {
  for (const a of disagreeing) for (const example of a.examples) console.error(`  ${example}`);
  console.error('\nFAIL: evaluators disagree; the figures below would compare different work. Fix the translation or the evaluator.');
  process.exit(1);
}

const timings = setup.evaluators.map((evaluator) => {
  const options = evaluator === ours ? { rounds: 25, warmups: 5, budgetMs: 6_000 } : { rounds: 5, warmups: 1, budgetMs: 10_000 };
  return { evaluator, ...timePerRequest(() => evaluator.pass(), evaluator.requests, options) };
});
// The Worker evaluates a context it has just built, still in the CPU caches; the passes above read
// 10,000 prebuilt contexts (tens of MB) from memory. This row repeats the first 100 requests instead.
const WARM_REQUESTS = 100;
const warm = timePerRequest(
  () => {
    let n = 0;
    for (let k = 0; k < REQUESTS / WARM_REQUESTS; k++) for (let i = 0; i < WARM_REQUESTS; i++) n += ours.tags(i).length;
    return n;
  },
  REQUESTS,
  { rounds: 25, warmups: 3, budgetMs: 6_000 },
);
const oursNs = timings[0]?.ns ?? Number.NaN;
const referenceNs = timings.find((t) => t.evaluator.name.startsWith('reference'))?.ns ?? Number.NaN;

const row = (name: string, requests: string, t: RequestTiming, slower: string, target: string): string[] => [
  name,
  requests,
  String(t.rounds),
  fmt(t.ns / 1000, 2),
  `${fmt(t.minNs / 1000, 2)}-${fmt(t.maxNs / 1000, 2)}`,
  fmt(t.wallNs / 1000, 2),
  fmt(t.ns / SEGMENTS, 1),
  slower,
  target,
];
const rows = timings.map((t) => {
  const { evaluator, ns } = t;
  const slower = ns / oursNs;
  let target = '';
  if (evaluator === ours) target = `<= ${TARGET_US_PER_REQUEST} µs: ${verdict(ns / 1000 <= TARGET_US_PER_REQUEST)}`;
  else if (/GrowthBook|json-logic/.test(evaluator.name)) target = `>= ${TARGET_SPEEDUP}x: ${verdict(slower >= TARGET_SPEEDUP)}`;
  return row(evaluator.name, fmt(evaluator.requests, 0), t, evaluator === ours ? '1.0x' : `${fmt(slower, 1)}x`, target);
});
rows.splice(1, 0, row(`  same, warm (first ${WARM_REQUESTS} requests x ${REQUESTS / WARM_REQUESTS})`, fmt(REQUESTS, 0), warm, `${fmt(warm.ns / oursNs, 2)}x`, ''));
console.log(`\n${formatTable(['evaluator', 'requests', 'rounds', 'µs/request (CPU)', 'fastest-slowest round', 'µs/request (wall)', 'ns/segment', 'x slower than ours', 'target'], rows)}`);
console.log(`Same run: ours is ${fmt(referenceNs / oursNs, 1)}x faster than the reference evaluator (use this ratio to compare runs on a loaded machine).`);

const callRow = (name: string, t: CallTiming, target: string): string[] => [name, `${fmt(t.cpuMs, 2)} ms`, `${fmt(t.wallMs, 2)} ms`, `${fmt(t.firstMs, 1)} ms`, target];
console.log(`\n${formatTable(
  ['ruleset (1,000 segments), 20 calls after 30 warm-ups', 'CPU median', 'wall median', 'first call (cold)', 'target'],
  [
    callRow('compileRuleset', compile, `<= ${TARGET_COMPILE_MS} ms: ${verdict(compile.cpuMs <= TARGET_COMPILE_MS)}`),
    callRow('JSON.parse + prepareRuleset', prepare, ''),
    callRow('JSON.parse alone', parse, ''),
  ],
)}`);
console.log(`ruleset JSON size: ${fmt(Buffer.byteLength(json), 0)} bytes`);
console.log(`
Notes:
- Every request is evaluated at one instant (${new Date(NOW).toISOString()}); times of day differ by the visitor's time zone.
- Rules of the competitors are translated from the validated rules: $in/$eq/$regex/$gte/$lte/$elemMatch for GrowthBook,
  in/===/<=/some/none/filter+reduce for json-logic-js; globs and endsWith become anchored regular expressions
  (json-logic-js gets one added operation, "regex", a cached RegExp test). $exists / !== null guards keep "missing is false".
- GrowthBook cannot count: "at least N matching page views in D days" (N >= 2) is read from lazy getters counts.c<k>
  (${setup.countAttributes} distinct counts, in ${setup.segmentsWithCounts} segments), computed on every read, never cached nor timed apart.
  json-logic-js is shown twice: counting natively (filter + reduce) and through the same getters as GrowthBook.
- Ours is timed on all ${REQUESTS} requests, the slow evaluators on the first ${slowRequests} (--slow=N to change); each figure
  is the median of its rounds' CPU time (process.cpuUsage) per request, after warm-up passes; wall time is shown beside it.
- Context building (buildEdgeContext, the competitors' nested objects) is outside the timings for all evaluators.
Total bench time ${fmt(Number(process.hrtime.bigint() - started) / 1e9, 1)} s (sink ${sink % 10}).`);
