/**
 * Field-level authorization: type-graphql calls `authChecker` before resolving any field marked
 * `@Authorized(...ROLES.x)`, wherever the field is reached (a query, a mutation's answer, a nested
 * connection). It throws the same UNAUTHENTICATED / FORBIDDEN as the operations' requireRole.
 */
import type { AuthChecker } from 'type-graphql';
import type { ApiRole } from '../../drizzle/index.js';
import { requireRole, type RequestContext } from '../context.js';

export const authChecker: AuthChecker<RequestContext, ApiRole> = ({ context }, roles) => {
  requireRole(context, roles);
  return true;
};
