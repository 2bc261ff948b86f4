/**
 * The demo workspace's segments: filled in by the segments feature (lifecycle segments and a few
 * edge segments). Called by seedDemo after the profiles and events exist.
 */
import type { Database } from '../db/index.js';

export interface SeedSegmentsContext {
  db: Database;
  workspaceId: string;
  now: Date;
}

export async function seedSegments(_context: SeedSegmentsContext): Promise<void> {
  // Intentionally empty until the segments feature adds its demo segments.
}
