/**
 * The Apollo server: one error mapping, the per-request budget (depth and cost), the per-key cost
 * rate, the input policy, request queries in a transaction with a statement timeout, no CDN landing page, no
 * cache-control plugin. In production: no introspection and no "Did you mean" hints.
 */
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { RequestContext } from '../context.js';
import { formatGraphQLError, RateLimitedError } from '../errors.js';
import type { KeyLimiter } from '../http/key-limiter.js';
import { GraphQLError } from './graphql-js.js';
import { operationCost, queryLimits } from './limits.js';
import { noteWorkspaceWrite, openRequestTransaction, type RequestTransaction } from './request-transaction.js';
import { inputPolicyPlugin } from './input-policy.plugin.js';
import { jitGateway } from './executor.js';
import { buildApiSchema } from './schema.js';

export interface ApolloOptions {
  /** Production: introspection off, graphql-js suggestions stripped from messages. */
  production?: boolean;
  /** Charges each operation's cost to its key (none: no rate limit). */
  limiter?: KeyLimiter;
  /** Statement timeout of query operations in ms (0: none). */
  statementTimeoutMs?: number;
}

/** RATE_LIMITED as a request error: HTTP 429 with Retry-After. */
function rateLimited(error: RateLimitedError): GraphQLError {
  const headers = new HeaderMap([['retry-after', String(error.retryAfter)]]);
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, retryAfter: error.retryAfter, http: { status: 429, headers } } });
}

function requestLimits(options: ApolloOptions): ApolloServerPlugin<RequestContext> {
  // The opening promise is kept at once: when another plugin's didResolveOperation throws (the input
  // policy), Apollo answers without waiting for this hook, and willSendResponse must still close the
  // transaction once it has begun (on PGlite a transaction left open holds the only connection).
  const transactions = new WeakMap<RequestContext, Promise<RequestTransaction>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, schema }) {
          const caller = contextValue.caller;
          if (!caller || !operation) return;
          if (options.limiter) {
            try {
              options.limiter.charge(caller.keyId, operationCost(schema, document, operation));
            } catch (error) {
              throw error instanceof RateLimitedError ? rateLimited(error) : error;
            }
          }
          if (operation.operation === 'query') {
            // Reads: on the read replica when there is one and it holds what this workspace wrote.
            const opening = openRequestTransaction(contextValue.db, options.statementTimeoutMs ?? 0, caller.workspaceId);
            transactions.set(contextValue, opening);
            contextValue.db = (await opening).db;
          }
        },
        async willSendResponse({ contextValue, operation }) {
          const opening = transactions.get(contextValue);
          if (opening) await opening.then((transaction) => transaction.finish(), () => undefined);
          // A mutation's writes have committed: the workspace's next reads must see them (read-your-writes).
          else if (operation?.operation === 'mutation' && contextValue.caller) noteWorkspaceWrite(contextValue.db, contextValue.caller.workspaceId);
        },
      };
    },
  };
}

export function createApolloServer(options: ApolloOptions = {}): ApolloServer<RequestContext> {
  const production = options.production ?? false;
  return new ApolloServer<RequestContext>({
    // The schema, with graphql-jit executing query operations (api/graphql/executor.ts).
    gateway: jitGateway(buildApiSchema()),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, { hideSuggestions: production }),
    introspection: !production,
    validationRules: [queryLimits()],
    // No cache hints are used (responses are per key): the cache-control plugin would only add a
    // hook around every field resolution.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), inputPolicyPlugin<RequestContext>(), requestLimits(options)],
    includeStacktraceInErrorResponses: false,
  });
}
