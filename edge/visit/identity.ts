/**
 * Keeps an identified visitor's memberships fresh: refetched once older than the TTL, with a short
 * timeout; when the API cannot answer, the last known memberships stay in use and the isolate
 * stops asking for a while, so an API outage does not slow every identified visitor down. The
 * profile id (the A/B split subject) is refreshed with them. When the API says the profile is gone
 * (erased, or never created), the identity is dropped: no memberships, no profile id, and no
 * external id on reports; the visit's new cookie no longer carries it. So an erasure is honoured at
 * the visitor's first request after at most MEMBERSHIP_TTL_SECONDS (capped at 1 h) while the API
 * answers.
 */
import type { VisitorIdentity } from '../state/codec.js';
import type { Services } from '../services.js';
import type { ApiClient } from '../upstream/api-client.js';
import { fetchMemberships, GONE } from '../upstream/memberships.js';

const REFRESH_TIMEOUT_MS = 800;
const BACKOFF_MS = 30_000;
const failedAt = new WeakMap<ApiClient, number>();

export async function freshIdentity(services: Services, identity: VisitorIdentity | undefined, now: number): Promise<VisitorIdentity | undefined> {
  const { api, config } = services;
  if (!identity || !api || now - identity.fetchedAt < config.membershipTtlMs) return identity;
  if (now - (failedAt.get(api) ?? Number.NEGATIVE_INFINITY) < BACKOFF_MS) return identity;
  try {
    const fetched = await fetchMemberships(api, identity.externalId, REFRESH_TIMEOUT_MS);
    if (fetched === GONE) return undefined;
    const { segments, profileId } = fetched;
    return { externalId: identity.externalId, segments, fetchedAt: now, ...(profileId ? { profileId } : {}) };
  } catch {
    failedAt.set(api, now);
    return identity;
  }
}
