/** The Apollo server: one error mapping, depth and complexity limits, the input policy, introspection on, no CDN landing page, no cache-control plugin. */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { RequestContext } from '../context.js';
import { formatGraphQLError } from '../errors.js';
import { queryLimits } from './limits.js';
import { inputPolicyPlugin } from './input-policy.plugin.js';
import { buildApiSchema } from './schema.js';

export function createApolloServer(): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: buildApiSchema(),
    formatError: formatGraphQLError,
    introspection: true,
    validationRules: [queryLimits()],
    // No cache hints are used (responses are per key): the cache-control plugin would only add a
    // hook around every field resolution.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), inputPolicyPlugin<RequestContext>()],
    includeStacktraceInErrorResponses: false,
  });
}
