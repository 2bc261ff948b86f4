/**
 * The per-request GraphQL context. The HTTP layer builds it (api/http) after authenticating the
 * bearer key; resolvers read `db`, the caller's workspace and role from here, never from a global.
 */
import type { Database } from './db/index.js';
import type { ApiRole } from '../drizzle/index.js';
import type { JobQueue } from './jobs/jobs.js';
import type { PreviewCounts } from './segments/preview/previews.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';

/** Who is calling: the key's workspace and role. */
export interface Caller {
  keyId: string;
  workspaceId: string;
  role: ApiRole;
}

export interface RequestContext {
  db: Database;
  /** Background work (export builds): graphile-worker on PostgreSQL, the local runner on PGlite. */
  jobs: JobQueue;
  /** null when no (valid) key was sent: only public fields resolve. */
  caller: Caller | null;
  /** The request's instant: one "now" per request. */
  now: Date;
  /** Per-request memo for DataLoaders and services, keyed by the feature that owns them. */
  memo: Map<string, unknown>;
  /** Exact live counts of unsaved rules from memory (api/segments/preview); absent: SQL counts. */
  previews?: PreviewCounts;
}

/**
 * Returns the caller if its role is one of `roles`, else throws UNAUTHENTICATED (no key) or
 * FORBIDDEN (wrong role). Every resolver that touches workspace data starts with it.
 */
export function requireRole(ctx: RequestContext, roles: readonly ApiRole[]): Caller {
  if (!ctx.caller) throw new UnauthenticatedError();
  if (!roles.includes(ctx.caller.role)) {
    throw new ForbiddenError(`This API key has the role '${ctx.caller.role}'; this needs one of: ${roles.join(', ')}`);
  }
  return ctx.caller;
}

/** One value per request and key (DataLoaders, services). */
export function memoized<T>(ctx: RequestContext, key: string, make: () => T): T {
  if (!ctx.memo.has(key)) ctx.memo.set(key, make());
  return ctx.memo.get(key) as T;
}

/**
 * The role table (README "Roles"): who may run what, and which fields of a profile each role sees.
 * Operations check it with requireRole; fields with `@Authorized(...ROLES.x)` (api/auth/authorization.ts).
 */
export const ROLES = {
  /** Workspace, declared traits: everyone who works with the workspace's data. */
  any: ['admin', 'editor', 'viewer', 'ingest', 'edge'],
  /** Segments, categories, analytics, profiles (pseudonymously), export status. */
  read: ['admin', 'editor', 'viewer'],
  /** Segments, categories, traits, splits, exports. */
  writeSegments: ['admin', 'editor'],
  /** upsertProfile(s), trackEvents. */
  writeProfiles: ['admin', 'editor', 'ingest'],
  /** Contact data, names, address and advertising id of a profile; export files; identify tokens; erasure. */
  personalData: ['admin', 'editor'],
  /** Traits, computed purchases, events, consent, country, visitor ids and segments of a profile. */
  profileData: ['admin', 'editor', 'viewer'],
  admin: ['admin'],
  edge: ['edge'],
} as const satisfies Record<string, readonly ApiRole[]>;
