/**
 * Domain errors and the ONE place that maps them to GraphQL `extensions.code` and HTTP statuses.
 * Services throw these; Apollo's formatError (`formatGraphQLError`) and the REST error handler
 * (`toHttpError`) translate. Anything else is an internal error: logged here, never shown.
 */
import 'reflect-metadata';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from 'type-graphql';
import type { RuleProblem } from '../schema/validate-problems.js';

export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

const STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra machine-readable details, copied into `extensions` (never internals). */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export class BadInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'A valid API key is required: send "Authorization: Bearer ae_..."') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'This API key is not allowed to do that') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

/** An invalid rule: every problem, with its JSON path, in `extensions.problems`. */
export class RuleInvalidError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[], message?: string) {
    const first = problems[0];
    const summary = first ? `${first.path}: ${first.message}` : 'The rule is invalid';
    super(message ?? (problems.length > 1 ? `${summary} (and ${problems.length - 1} more problems)` : summary), {
      problems,
    });
    this.problems = problems;
  }
}

/** A known error as a plain code + message + details, or null for an internal error. */
export function describeError(error: unknown): { code: ErrorCode; message: string; details: Record<string, unknown> } | null {
  if (error instanceof DomainError) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof AuthenticationError) return { code: 'UNAUTHENTICATED', message: new UnauthenticatedError().message, details: {} };
  if (error instanceof AuthorizationError) return { code: 'FORBIDDEN', message: new ForbiddenError().message, details: {} };
  if (error instanceof ArgumentValidationError) {
    const problems = error.extensions.validationErrors.flatMap((v) =>
      Object.values(v.constraints ?? {}).map((message) => ({ path: v.property, message })),
    );
    return { code: 'BAD_USER_INPUT', message: problems.map((p) => p.message).join('; ') || 'Invalid arguments', details: { problems } };
  }
  return null;
}

/** Codes that graphql-js / Apollo set themselves for request-level problems: passed through. */
const REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Apollo `formatError`: the single mapping of errors to `extensions.code` for GraphQL. */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const unwrapped = unwrapResolverError(error);
  // A domain error thrown before execution (the input policy) arrives wrapped, without a path.
  const wrapped = (unwrapped as { originalError?: unknown } | null)?.originalError;
  const original = wrapped instanceof DomainError ? wrapped : unwrapped;
  const known = describeError(original);
  if (known) {
    return { message: known.message, locations: formatted.locations, path: formatted.path, extensions: { ...known.details, code: known.code } };
  }
  const code = formatted.extensions?.code;
  // Errors graphql-js raised itself (syntax, validation, variable coercion) carry no originalError.
  const fromGraphql = original instanceof GraphQLError && !original.originalError;
  if (typeof code === 'string' && REQUEST_CODES.has(code) && (fromGraphql || !(error instanceof GraphQLError && error.path))) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (fromGraphql && code === undefined) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  }
  logInternal(original);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** REST: status and JSON body for any error. */
export function toHttpError(error: unknown): { status: 400 | 401 | 403 | 404 | 409 | 500; body: { error: { code: string; message: string } & Record<string, unknown> } } {
  const known = describeError(error);
  if (known) {
    return {
      status: STATUS[known.code] as 400 | 401 | 403 | 404 | 409,
      body: { error: { ...known.details, code: known.code, message: known.message } },
    };
  }
  logInternal(error);
  return { status: 500, body: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } } };
}

function logInternal(error: unknown): void {
  console.error('internal error:', error);
}
