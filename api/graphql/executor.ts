/**
 * Query operations executed by graphql-jit: a document seen for the second time is compiled
 * once into a JavaScript function that resolves exactly its fields (no per-field walk of the
 * selection, argument coercion or type checks), and later requests of the same document run it.
 * graphql-js's interpreter spent more CPU on a page of 50 segments than our resolvers and SQL.
 *
 * Apollo Server 5 has no executor option for a plain schema; its migration guide sends custom
 * executors to the `gateway` option, whose `load()` hands Apollo an executor and whose
 * `onSchemaLoadOrUpdate` hands it the schema. Everything before execution stays Apollo's: parsing,
 * validation (the depth and cost limits), the document cache, the plugins (input policy, cost
 * rate, the request's connection), error formatting. The resolvers are the same functions, so
 * type-graphql's field authorization runs as before.
 *
 * What stays on graphql-js: mutations (serial, dominated by their writes), a document's first
 * run (a one-off query is not worth a compilation, and a client sending ever new documents cannot
 * make the server compile each), and any document graphql-jit refuses to compile.
 */
import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { execute, getVariableValues, GraphQLError, printSchema, type DocumentNode, type GraphQLSchema } from './graphql-js.js';

/** Apollo's gateway types, through @apollo/server (their package is only its dependency). */
type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/** Per document: how often it ran uncompiled, or its compiled operations by name (null: refused). */
type Plan = { runs: number } | Map<string, CompiledQuery | null>;

/**
 * graphql-jit's errors only borrow graphql-js's prototype: no `extensions` object unless the
 * resolver's error had one (Apollo's error normalisation reads `extensions.code` and fails on
 * them). Each becomes a graphql-js GraphQLError with the same message, path, locations and
 * original error, as graphql-js itself would have made it.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions ?? undefined });
  if (error.locations) Object.defineProperty(copy, 'locations', { value: error.locations, enumerable: true });
  return copy;
}

/** Runs of a document on graphql-js before it is compiled (its second run is compiled). */
export const INTERPRETED_RUNS = 1;

export function jitExecutor(schema: GraphQLSchema, interpretedRuns = INTERPRETED_RUNS): GatewayExecutor {
  const plans = new WeakMap<DocumentNode, Plan>();
  return async (requestContext) => {
    const { document, operation, operationName, context, request } = requestContext;
    const variables = request.variables ?? {};
    const interpret = () => execute({ schema, document, contextValue: context, variableValues: variables, operationName: operationName ?? undefined });
    if (operation.operation !== 'query') return interpret();
    let plan = plans.get(document);
    if (!plan || !(plan instanceof Map)) {
      const runs = plan?.runs ?? 0;
      if (runs < interpretedRuns) {
        plans.set(document, { runs: runs + 1 });
        return interpret();
      }
      plans.set(document, (plan = new Map()));
    }
    const key = operationName ?? '';
    let compiled = plan.get(key);
    if (compiled === undefined) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      compiled = isCompiledQuery(result) ? result : null;
      plan.set(key, compiled);
    }
    if (!compiled) return interpret();
    // Variables graphql-js refuses are answered by graphql-js: its coercion errors (BAD_USER_INPUT,
    // HTTP 400, its messages) are the API's; graphql-jit words and shapes them differently.
    if (operation.variableDefinitions?.length && 'errors' in getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 1 })) return interpret();
    let result: Awaited<ReturnType<CompiledQuery['query']>>;
    try {
      result = await compiled.query(undefined, context, variables);
    } catch {
      // graphql-jit catches resolver errors; what it throws comes from its variable parsing (a
      // scalar's parseValue refusing a value, before any resolver ran): graphql-js answers with
      // its own coercion error (BAD_USER_INPUT, HTTP 400). Reads only, so running them again is safe.
      return interpret();
    }
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/** The `gateway` of an ApolloServer that serves `schema` with jitExecutor. */
export function jitGateway(schema: GraphQLSchema, interpretedRuns = INTERPRETED_RUNS): GatewayInterface {
  return {
    async load() {
      return { executor: jitExecutor(schema, interpretedRuns) };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {},
  };
}
