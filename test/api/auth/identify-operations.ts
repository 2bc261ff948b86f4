/**
 * The identify-token operation of the shared authorization suite. `auth-own` / `auth-other` are the
 * profiles authorization.test.ts makes in each workspace. Whether or not IDENTIFY_SECRET is set in
 * the test environment, an allowed role never gets FORBIDDEN (a missing secret is BAD_USER_INPUT),
 * and another workspace's profile is NOT_FOUND (checked before the secret).
 */
import type { AuthorizedOperation, OperationCall } from './operations.js';

const ISSUE = 'mutation($e: String!) { issueIdentifyToken(externalId: $e, ttlSeconds: 120) { token expiresAt } }';
const gql = (query: string, variables?: Record<string, unknown>): OperationCall => ({ kind: 'graphql', query, variables });

export const identifyOperations: AuthorizedOperation[] = [
  {
    name: 'issueIdentifyToken',
    roles: ['admin', 'editor'],
    answers: false,
    call: () => gql(ISSUE, { e: 'auth-own' }),
    foreign: () => gql(ISSUE, { e: 'auth-other' }),
  },
];
