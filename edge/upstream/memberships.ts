/**
 * The published profile-scoped segments of an identified visitor's profile, from
 * `GET /v1/profiles/:externalId/memberships`. An unknown profile (404) belongs to none.
 */
import type { ApiClient } from './api-client.js';

const MAX_SEGMENTS = 64;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Resolves with the slugs, or rejects (network, timeout, unexpected answer). */
export function fetchMemberships(client: ApiClient, externalId: string, timeoutMs: number): Promise<string[]> {
  return client.call(`/v1/profiles/${encodeURIComponent(externalId)}/memberships`, { headers: { accept: 'application/json' } }, timeoutMs, async (response) => {
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`memberships answered ${response.status}`);
    }
    const body: unknown = await response.json();
    const segments = typeof body === 'object' && body !== null ? (body as { segments?: unknown }).segments : undefined;
    if (!Array.isArray(segments)) throw new Error('memberships answer has no segments list');
    return segments.filter((s): s is string => typeof s === 'string' && SLUG.test(s)).slice(0, MAX_SEGMENTS);
  });
}
