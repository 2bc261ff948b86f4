/**
 * The published profile-scoped segments of an identified visitor's profile, and the profile's id,
 * from `GET /v1/profiles/:externalId/memberships` (`{ profileId, segments }`). A 404 or 410 whose
 * error says PROFILE_GONE (`error.reason` or `error.code`: the profile was never created or was
 * erased) resolves to `GONE`: the caller forgets the identity. Any other 404 (an older API) belongs
 * to no segment and has no id. `profileId` is optional (older APIs answer `{ segments }`) and
 * ignored unless it is a UUID.
 */
import type { ApiClient } from './api-client.js';

const MAX_SEGMENTS = 64;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Memberships {
  segments: string[];
  /** The profile's id, lower-case (as the API hashes it for `splitAssignment`); absent when unknown. */
  profileId?: string;
}

export const GONE = 'gone' as const;

/** True when an error answer's body says the profile is gone. */
async function saysGone(response: Response): Promise<boolean> {
  const body: unknown = await response.json().catch(() => null);
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : null;
  const fields = typeof error === 'object' && error !== null ? (error as { code?: unknown; reason?: unknown }) : {};
  return fields.reason === 'PROFILE_GONE' || fields.code === 'PROFILE_GONE';
}

/** Resolves with the slugs and the profile id, or GONE, or rejects (network, timeout, unexpected answer). */
export function fetchMemberships(client: ApiClient, externalId: string, timeoutMs: number): Promise<Memberships | typeof GONE> {
  return client.call(`/v1/profiles/${encodeURIComponent(externalId)}/memberships`, { headers: { accept: 'application/json' } }, timeoutMs, async (response) => {
    if (response.status === 404 || response.status === 410) {
      return (await saysGone(response)) ? GONE : { segments: [] };
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`memberships answered ${response.status}`);
    }
    const body: unknown = await response.json();
    const fields = typeof body === 'object' && body !== null ? (body as { segments?: unknown; profileId?: unknown }) : {};
    if (!Array.isArray(fields.segments)) throw new Error('memberships answer has no segments list');
    const segments = fields.segments.filter((s): s is string => typeof s === 'string' && SLUG.test(s)).slice(0, MAX_SEGMENTS);
    const profileId = typeof fields.profileId === 'string' && UUID.test(fields.profileId) ? fields.profileId.toLowerCase() : undefined;
    return profileId ? { segments, profileId } : { segments };
  });
}
