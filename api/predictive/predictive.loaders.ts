/** The per-request DataLoader of Profile.predicted: one query per request. */
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import { memoized, type RequestContext } from '../context.js';
import { profilePredictions, type ProfilePredictionRow } from '../../drizzle/index.js';

export function predictionOfProfile(ctx: RequestContext): DataLoader<string, ProfilePredictionRow | null> {
  return memoized(ctx, 'predictive.prediction', () =>
    new DataLoader<string, ProfilePredictionRow | null>(async (ids) => {
      const rows = await ctx.db.select().from(profilePredictions).where(inArray(profilePredictions.profileId, [...ids]));
      const byId = new Map(rows.map((r) => [r.profileId, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );
}
