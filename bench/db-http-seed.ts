/**
 * The workspace of the GraphQL throughput bench (graphql.bench.ts): the bench traits and 100
 * published segments (13 lifecycle + 87 generated, as in the DB bench) and one draft, on an empty
 * workspace, so that it takes seconds on either database. Returns the admin key.
 */
import type { Database } from '../api/db/index.js';
import { createWorkspace } from '../api/auth/auth.service.js';
import { defineTrait } from '../api/traits/traits.service.js';
import { createLifecycleSegments } from '../api/segments/lifecycle.service.js';
import { SegmentService } from '../api/segments/segments.service.js';
import { BENCH_TRAITS } from './db-load.js';
import { FOUR_CONDITION_RULE, generateSegments } from './db-segments.js';
import { createRandom } from './rules-random.js';

export const BENCH_SEGMENTS = 100;

export async function seedGraphqlWorkspace(db: Database, seed: number, now = new Date()): Promise<{ adminKey: string; segments: number }> {
  const { workspace, adminKey } = await createWorkspace(db, 'GraphQL bench', now);
  for (const trait of BENCH_TRAITS) await defineTrait(db, workspace.id, trait.name, trait.type, trait.description, now);
  const service = new SegmentService(db, workspace.id, () => now);
  const lifecycle = await createLifecycleSegments(db, workspace.id, undefined, { publish: true, now });
  const generated = generateSegments(createRandom(seed), BENCH_SEGMENTS - lifecycle.length, lifecycle.map((s) => s.slug));
  for (const segment of generated) {
    const created = await service.create({ ...segment, type: 'dynamic' });
    await service.publish(created.id);
  }
  await service.create({ slug: 'four-conditions', name: 'Four conditions', type: 'dynamic', rule: FOUR_CONDITION_RULE });
  return { adminKey, segments: lifecycle.length + generated.length + 1 };
}
