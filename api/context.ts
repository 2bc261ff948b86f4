/**
 * The per-request GraphQL context. The HTTP layer builds it (api/http) after authenticating the
 * bearer key; resolvers read `db`, the caller's workspace and role from here, never from a global.
 */
import type { Database } from './db/index.js';
import type { ApiRole } from '../drizzle/index.js';
import type { JobQueue } from './jobs/jobs.js';
import { BadInputError, ForbiddenError, UnauthenticatedError } from './errors.js';
import type { InstanceCheck } from './admin/instance-token.js';
import type { PreviewCounts } from './segments/preview/previews.js';

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
  /**
   * Whether the bearer is the instance admin token (api/admin/instance-token.ts): it manages
   * workspaces and nothing else. Absent: it is not (a workspace key, or nothing).
   */
  instance?: InstanceCheck;
  /** The request's instant: one "now" per request. */
  now: Date;
  /** Per-request memo for DataLoaders and services, keyed by the feature that owns them. */
  memo: Map<string, unknown>;
  /** The API's public origin for links it hands out (PUBLIC_API_URL, else the request's own origin). */
  origin?: string;
  /** Exact live counts of unsaved rules from memory (api/segments/preview); absent: SQL counts. */
  previews?: PreviewCounts;
}

/**
 * Returns the caller if its role is one of `roles`, else throws UNAUTHENTICATED (no key) or
 * FORBIDDEN (wrong role). Every resolver that touches workspace data starts with it.
 */
export function requireRole(ctx: RequestContext, roles: readonly ApiRole[]): Caller {
  if (ctx.instance && ctx.instance.kind !== 'other') {
    throw new ForbiddenError("The instance admin token manages workspaces only (createWorkspace, workspaces, renameWorkspace, deleteWorkspace): use one of the workspace's API keys for its data");
  }
  if (!ctx.caller) throw new UnauthenticatedError();
  if (!roles.includes(ctx.caller.role)) {
    throw new ForbiddenError(`This API key has the role '${ctx.caller.role}'; this needs one of: ${roles.join(', ')}`);
  }
  return ctx.caller;
}

/**
 * For the instance administration operations: passes only the instance admin token. A workspace
 * key (any role, admin included) is FORBIDDEN; no bearer or a wrong one is UNAUTHENTICATED; the
 * configured token when it is refused (a placeholder in production, too short) is BAD_USER_INPUT
 * naming the setting, as IDENTIFY_SECRET is.
 */
export function requireInstanceAdmin(ctx: RequestContext): void {
  const instance = ctx.instance;
  if (instance?.kind === 'admin') return;
  if (instance?.kind === 'refused') throw new BadInputError(instance.problem, { setting: 'ADMIN_TOKEN' });
  if (ctx.caller) {
    throw new ForbiddenError(
      `This needs the instance admin token (ADMIN_TOKEN); an API key belongs to one workspace (this one has the role '${ctx.caller.role}') and cannot manage workspaces`,
    );
  }
  throw new UnauthenticatedError('The instance admin token is required: send "Authorization: Bearer <ADMIN_TOKEN>" (the API must be started with ADMIN_TOKEN set)');
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
