/**
 * The one door through which a write says "these profiles changed": upserts, tracked events, edge
 * events and imports call `profilesChanged` inside their transaction. Today it re-evaluates the
 * profiles against every published dynamic segment at once (refreshProfiles); the profile engine
 * (issue 10) makes it mark them dirty for batch evaluation instead, without touching the callers.
 */
import type { Database } from '../db/index.js';
import { refreshProfiles } from './membership.service.js';

export async function profilesChanged(tx: Database, workspaceId: string, profileIds: readonly string[], now: Date): Promise<void> {
  if (profileIds.length === 0) return;
  await refreshProfiles(tx, workspaceId, [...new Set(profileIds)], now.getTime());
}
