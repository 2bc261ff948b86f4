/**
 * The demo workspace "Demo": an admin and an edge key, declared traits (the lifecycle ones
 * included), a few thousand synthetic profiles with purchases and page views (batch inserts),
 * then the demo segments (`seedSegments`).
 */
import type { Database } from '../db/index.js';
import { events, profiles, profileVisitors } from '../../drizzle/index.js';
import { LIFECYCLE_TRAITS } from '../../schema/lifecycle.js';
import { createApiKey, createWorkspace } from '../auth/auth.service.js';
import { defineTrait, type TraitType } from '../traits/traits.service.js';
import { recomputePurchases } from '../events/purchases.js';
import { seededRandom } from './random.js';
import { seedSegments } from './segments.js';
import { syntheticEvents, syntheticProfile, type SyntheticEvent } from './synthetic.js';

export interface SeedOptions {
  /** How many profiles (default 3,000). */
  profiles?: number;
  now?: Date;
  /** PRNG seed (default 42). */
  seed?: number;
}

export interface SeedResult {
  workspaceId: string;
  adminKey: string;
  edgeKey: string;
  profiles: number;
  events: number;
}

export const DEMO_TRAITS: ReadonlyArray<{ name: string; type: TraitType; description: string }> = [
  ...LIFECYCLE_TRAITS.map((t) => ({ name: t.name, type: t.type as TraitType, description: t.description ?? '' })),
  { name: 'plan', type: 'string', description: 'Subscription plan: free, starter, pro or enterprise' },
  { name: 'industry', type: 'string', description: "The customer's industry" },
  { name: 'signupDate', type: 'date', description: 'Day the customer signed up' },
  { name: 'interests', type: 'stringList', description: 'Product interests' },
  { name: 'newsletter', type: 'boolean', description: 'Subscribed to the newsletter' },
];

const PROFILE_BATCH = 500;
const EVENT_BATCH = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function seedDemo(db: Database, options: SeedOptions = {}): Promise<SeedResult> {
  const now = options.now ?? new Date();
  const count = options.profiles ?? 3000;
  const seed = options.seed ?? 42;
  const { workspace, adminKey } = await createWorkspace(db, 'Demo', now);
  const workspaceId = workspace.id;
  const { key: edgeKey } = await createApiKey(db, workspaceId, 'Edge worker', 'edge', now);
  for (const trait of DEMO_TRAITS) await defineTrait(db, workspaceId, trait.name, trait.type, trait.description, now);

  // One generator per person: person i is the same whatever the count.
  const allEvents: SyntheticEvent[] = [];
  const people = Array.from({ length: count }, (_, i) => {
    const rng = seededRandom(Math.imul(seed, 1_000_003) + i);
    const person = syntheticProfile(rng, i, now.getTime());
    allEvents.push(...syntheticEvents(rng, person, now.getTime()));
    return person;
  });
  const idOf = new Map<string, string>();
  await db.transaction(async (tx) => {
    for (const batch of chunks(people, PROFILE_BATCH)) {
      const rows = await tx
        .insert(profiles)
        .values(batch.map((p) => ({ ...p, workspaceId, updatedAt: now })))
        .returning({ id: profiles.id, externalId: profiles.externalId });
      for (const r of rows) idOf.set(r.externalId!, r.id);
    }
    for (const batch of chunks(allEvents, EVENT_BATCH)) {
      await tx.insert(events).values(
        batch.map((e) => ({ workspaceId, eventId: e.eventId, profileId: idOf.get(e.externalId)!, name: e.name, properties: e.properties, occurredAt: e.occurredAt, receivedAt: now })),
      );
    }
    const withVisitors = people.filter((_, i) => i % 3 === 0);
    for (const batch of chunks(withVisitors, PROFILE_BATCH)) {
      await tx.insert(profileVisitors).values(batch.map((p) => ({ workspaceId, visitorId: `demo-vid-${p.externalId}`, profileId: idOf.get(p.externalId)!, createdAt: now })));
    }
    const buyers = [...new Set(allEvents.filter((e) => e.name === 'purchase').map((e) => idOf.get(e.externalId)!))];
    for (const batch of chunks(buyers, PROFILE_BATCH)) await recomputePurchases(tx, workspaceId, batch, now);
  });
  await seedSegments({ db, workspaceId, now });
  return { workspaceId, adminKey, edgeKey, profiles: people.length, events: allEvents.length };
}
