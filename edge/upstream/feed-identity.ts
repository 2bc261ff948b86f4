/**
 * The name under which a ruleset is shared (Cache API) and kept (Workers KV): one per ruleset feed
 * and edge key, so several sites can share a namespace. A SHA-256 of both, never the key itself:
 * cache keys and KV key names are visible to whoever can list them.
 */
export async function feedIdentity(feedUrl: string, apiKey: string | null): Promise<string> {
  const bytes = new TextEncoder().encode(`${feedUrl}\n${apiKey ?? ''}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
