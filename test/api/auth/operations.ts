/**
 * Every operation of the API with the roles allowed to run it: the shared authorization suite
 * (authorization.test.ts) runs each one with no key, each role, a revoked key and another
 * workspace's ids. Features append their operations (and fixture steps) here.
 */
import type { Database } from '../../../api/db/index.js';
import type { ApiRole } from '../../../drizzle/index.js';
import { createApiKey } from '../../../api/auth/auth.service.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { createTestWorkspace, type TestWorkspace } from '../harness.js';
import { analyticsFixtures, analyticsOperations } from './analytics-operations.js';
import { segmentFixtures, segmentOperations } from './segment-operations.js';
import { exportFixtures, exportOperations } from './export-operations.js';
import { identifyOperations } from './identify-operations.js';

export interface AuthFixtures {
  db: Database;
  own: TestWorkspace;
  other: TestWorkspace;
  /** Ids made by the fixture steps, e.g. `otherProfileId`. */
  ids: Record<string, string>;
}

export type OperationCall =
  | { kind: 'graphql'; query: string; variables?: Record<string, unknown> }
  | { kind: 'rest'; method: 'GET' | 'POST'; path: string; body?: unknown };

export interface AuthorizedOperation {
  name: string;
  roles: readonly ApiRole[];
  /** A call that an allowed role may run (it may still fail for other reasons, never FORBIDDEN). */
  call(f: AuthFixtures): OperationCall;
  /** The same call aimed at another workspace's object: must be NOT_FOUND. */
  foreign?(f: AuthFixtures): OperationCall;
  /**
   * false when a repeated call may fail for reasons other than authorization (it is not idempotent,
   * or needs a setting): the field-level suite then only checks that allowed fields are never refused.
   */
  answers?: false;
}

/** Steps that create what the operations refer to, run once in order before the suite. */
export const fixtureSteps: Array<(f: AuthFixtures) => Promise<void>> = [segmentFixtures, exportFixtures, analyticsFixtures];

/** Two workspaces with a profile (with personal data) and a spare key each, and every fixture step. */
export async function createAuthFixtures(db: Database): Promise<AuthFixtures> {
  const own = await createTestWorkspace(db, 'Own');
  const other = await createTestWorkspace(db, 'Other');
  const f: AuthFixtures = { db, own, other, ids: {} };
  const [ownProfile] = (await upsertProfiles(db, own.workspaceId, [{ externalId: 'auth-own', email: 'own@example.com', traits: {} }])).profiles;
  const [otherProfile] = (await upsertProfiles(db, other.workspaceId, [{ externalId: 'auth-other' }])).profiles;
  f.ids.ownProfileId = ownProfile!.id;
  f.ids.otherProfileId = otherProfile!.id;
  f.ids.spareKeyId = (await createApiKey(db, own.workspaceId, 'spare', 'viewer')).apiKey.id;
  f.ids.otherKeyId = (await createApiKey(db, other.workspaceId, 'other spare', 'viewer')).apiKey.id;
  for (const step of fixtureSteps) await step(f);
  return f;
}

const READ: readonly ApiRole[] = ['admin', 'editor', 'viewer'];
const WRITE_PROFILES: readonly ApiRole[] = ['admin', 'editor', 'ingest'];
const gql = (query: string, variables?: Record<string, unknown>): OperationCall => ({ kind: 'graphql', query, variables });
const NOW_ISO = '2026-01-01T00:00:00Z';

export const operations: AuthorizedOperation[] = [
  { name: 'workspace', roles: ['admin', 'editor', 'viewer', 'ingest', 'edge'], call: () => gql('{ workspace { id } }') },
  { name: 'apiKeys', roles: ['admin'], call: () => gql('{ apiKeys { edges { node { id } } } }') },
  { name: 'createApiKey', roles: ['admin'], call: () => gql('mutation { createApiKey(name: "auth test", role: VIEWER) { key } }') },
  {
    name: 'revokeApiKey',
    roles: ['admin'],
    call: (f) => gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: f.ids.spareKeyId }),
    foreign: (f) => gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: f.ids.otherKeyId }),
  },
  // The instance admin operations: no workspace key may run them (the instance token, api/admin, is tested in test/api/admin).
  { name: 'workspaces', roles: [], call: () => gql('{ workspaces { edges { node { id } } } }') },
  { name: 'createWorkspace', roles: [], call: () => gql('mutation { createWorkspace(name: "Sneaky") { adminKey } }') },
  { name: 'renameWorkspace', roles: [], call: (f) => gql('mutation($id: ID!) { renameWorkspace(id: $id, name: "Taken") { id } }', { id: f.own.workspaceId }) },
  { name: 'deleteWorkspace', roles: [], call: (f) => gql('mutation($id: ID!) { deleteWorkspace(id: $id) { id } }', { id: f.other.workspaceId }) },
  { name: 'traitDefinitions', roles: [...READ, 'ingest'], call: () => gql('{ traitDefinitions { edges { node { name } } } }') },
  { name: 'eventNames', roles: READ, call: () => gql('{ eventNames { edges { node { name } } } }') },
  { name: 'defineTrait', roles: ['admin', 'editor'], call: () => gql('mutation { defineTrait(name: "plan", type: STRING) { id } }') },
  {
    name: 'profile',
    roles: READ,
    call: (f) => gql('query($id: ID!) { profile(id: $id) { id } }', { id: f.ids.ownProfileId }),
    foreign: (f) => gql('query($id: ID!) { profile(id: $id) { id } }', { id: f.ids.otherProfileId }),
  },
  { name: 'profiles', roles: READ, call: () => gql('{ profiles { edges { node { id } } } }') },
  { name: 'upsertProfile', roles: WRITE_PROFILES, call: () => gql('mutation { upsertProfile(input: { externalId: "auth-upsert" }) { id } }') },
  { name: 'upsertProfiles', roles: WRITE_PROFILES, call: () => gql('mutation { upsertProfiles(inputs: [{ externalId: "auth-upsert-2" }]) { created } }') },
  {
    name: 'deleteProfile',
    roles: ['admin', 'editor'],
    answers: false,
    call: () => gql('mutation { deleteProfile(externalId: "auth-upsert") { id } }'),
    foreign: (f) => gql('mutation($id: ID!) { deleteProfile(id: $id) { id } }', { id: f.ids.otherProfileId }),
  },
  {
    name: 'trackEvents',
    roles: WRITE_PROFILES,
    call: () => gql(`mutation { trackEvents(events: [{ eventId: "auth-1", externalId: "auth-events", name: "signup", timestamp: "${NOW_ISO}" }]) { accepted } }`),
    foreign: (f) =>
      gql(`mutation($id: ID!) { trackEvents(events: [{ eventId: "auth-2", profileId: $id, name: "signup", timestamp: "${NOW_ISO}" }]) { accepted } }`, { id: f.ids.otherProfileId }),
  },
  {
    name: 'POST /v1/edge/events',
    roles: ['edge'],
    call: () => ({
      kind: 'rest',
      method: 'POST',
      path: '/v1/edge/events',
      body: { events: [{ id: 'auth-edge-1', visitorId: 'v-auth', name: 'page_view', occurredAt: NOW_ISO, properties: { path: '/', host: 'a.example', url: 'https://a.example/' }, tags: [] }] },
    }),
  },
  {
    name: 'GET /v1/profiles/:externalId/memberships',
    roles: ['edge'],
    call: () => ({ kind: 'rest', method: 'GET', path: '/v1/profiles/auth-own/memberships' }),
    foreign: () => ({ kind: 'rest', method: 'GET', path: '/v1/profiles/auth-other/memberships' }),
  },
  { name: 'GET /v1/rulesets/current', roles: ['edge'], call: () => ({ kind: 'rest', method: 'GET', path: '/v1/rulesets/current' }) },
  ...segmentOperations,
  ...analyticsOperations,
  ...exportOperations,
  ...identifyOperations,
];
