import 'reflect-metadata';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openDatabase } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { createLifecycleSegments } from '../api/segments/lifecycle.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { loadPublishedDefinitions } from '../api/segments/definitions.js';
import { benchClient, createBenchDatabase } from '../bench/db-database.js';
import { BENCH_TRAITS, loadSynthetic } from '../bench/db-load.js';
import { generateSegments } from '../bench/db-segments.js';
import { createRandom } from '../bench/rules-random.js';
import * as store from '../api/segments/due-store.js';
const NOW = Date.now();
const bench = await createBenchDatabase();
const opened = await openDatabase({ driver: 'postgres', url: bench.url });
try {
  const db = opened.db;
  const [a, b] = [await benchClient(bench.url), await benchClient(bench.url)];
  const now = new Date(NOW);
  const { workspace } = await createWorkspace(db, 'Bench', now);
  const ws = workspace.id;
  for (const t of BENCH_TRAITS) await defineTrait(db, ws, t.name, t.type, t.description, now);
  const service = new SegmentService(db, ws, () => now);
  const lifecycle = await createLifecycleSegments(db, ws, undefined, { publish: true, now });
  for (const s of generateSegments(createRandom(20261124), 100 - lifecycle.length, lifecycle.map((s) => s.slug))) await service.publish((await service.create({ ...s, type: 'dynamic' })).id);
  await loadSynthetic([a, b], ws, Number(process.argv[2] ?? 20000), NOW, () => {});
  const defs = await loadPublishedDefinitions(db, ws);
  const rules = [...defs.byId.values()].filter((d) => d.type === 'dynamic').map((d) => d.rule);
  // capture the statement
  const captured: any[] = [];
  const fake = { execute: async (q: any) => { captured.push(q); return { rows: [{ n: 0 }] }; } } as any;
  await store.lowerDue(fake, ws, rules, defs, NOW);
  const { sql: text, params } = new PgDialect().sqlToQuery(captured[0]);
  await a.query('set jit = off');
  const r = await a.query('explain (analyze, buffers) ' + text, params);
  console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
  await a.end(); await b.end();
} finally { await opened.close(); await bench.drop(); }
