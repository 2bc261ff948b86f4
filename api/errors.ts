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
import { currentRequestId, logError, markRequestTimedOut, requestTimedOut } from './log.js';
import { isConnectionLoss, isTransactionConflict } from './db/failures.js';

export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE' | LimitErrorCode;

const STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ...LIMIT_STATUS(),
  UNAVAILABLE: 503,
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

/**
 * The database connection was lost during the request (server restart, failover, terminated
 * backend): nothing of it was committed unless it said so; sending the same request again is safe.
 */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
  constructor(message = 'The database connection was lost before this request completed: send it again') {
    super(message, { retryable: true });
  }
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
  // A domain error raised by a plugin (input policy, rate limit) arrives wrapped in a GraphQLError
  // (of either graphql-js build), so it is recognised by its `originalError`, not by instanceof.
  const wrapped = error instanceof Error ? (error as { originalError?: unknown }).originalError : undefined;
  if (wrapped instanceof DomainError) error = wrapped;
  if (error instanceof DomainError) return { code: error.code, message: error.message, details: error.details };
  const timeout = asTimeout(error);
  if (timeout) return { code: timeout.code, message: timeout.message, details: timeout.details };
  if (isConnectionLoss(error) || isTransactionConflict(error)) {
    // A lost connection, or a deadlock / serialization failure still losing after its retries (db/transaction.ts).
    logError('database unavailable during a request', error);
    const unavailable = isConnectionLoss(error) ? new UnavailableError() : new UnavailableError('Too many concurrent writes of the same data: send the request again');
    return { code: unavailable.code, message: unavailable.message, details: unavailable.details };
  }
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

export interface FormatOptions {
  /** Production: graphql-js's "Did you mean ...?" hints (which spell out the schema) are dropped. */
  hideSuggestions?: boolean;
}

/** Apollo `formatError`: the single mapping of errors to `extensions.code` for GraphQL. */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, options: FormatOptions = {}): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // A domain error thrown before execution (the input policy) arrives wrapped: describeError unwraps it.
  const known = describeError(original);
  if (known) {
    return { message: known.message, locations: formatted.locations, path: formatted.path, extensions: { ...known.details, code: known.code } };
  }
  const code = formatted.extensions?.code;
  // Errors graphql-js raised itself (syntax, validation, variable coercion) carry no originalError.
  const fromGraphql = original instanceof GraphQLError && !original.originalError;
  // Not a domain error: graphql-js's own (of either build, so not judged by instanceof) or Apollo's.
  const message = options.hideSuggestions ? withoutSuggestions(formatted.message) : formatted.message;
  if (typeof code === 'string' && REQUEST_CODES.has(code) && (fromGraphql || !(error instanceof GraphQLError && error.path))) {
    return { message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (fromGraphql && code === undefined) {
    return { message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  }
  logInternal(original);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...requestIdField() },
  };
}

type HttpStatus = 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503 | 504;

/** REST: status and JSON body for any error. */
export function toHttpError(error: unknown): { status: HttpStatus; body: { error: { code: string; message: string } & Record<string, unknown> } } {
  const known = describeError(error);
  if (known) {
    return {
      status: STATUS[known.code] as HttpStatus,
      body: { error: { ...known.details, code: known.code, message: known.message } },
    };
  }
  logInternal(error);
  return { status: 500, body: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', ...requestIdField() } } };
}

// ---- Request limits, timeouts and redacted logs (see api/graphql/costs.ts, api/http/key-limiter.ts, api/log.ts) ----

type LimitErrorCode = 'RATE_LIMITED' | 'TIMEOUT';

function LIMIT_STATUS(): Record<LimitErrorCode, number> {
  return { RATE_LIMITED: 429, TIMEOUT: 504 };
}

/** A key over its cost rate or its concurrent requests; `retryAfter` in whole seconds (also the Retry-After header). */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  readonly retryAfter: number;

  constructor(message: string, retryAfter: number) {
    const seconds = Math.max(1, Math.ceil(retryAfter));
    super(message, { retryAfter: seconds });
    this.retryAfter = seconds;
  }
}

/** A request's statement ran past the statement timeout and was cancelled. */
export class TimeoutError extends DomainError {
  readonly code = 'TIMEOUT';
  constructor(message = 'The query took too long and was stopped: ask for less (fewer fields or aliases, smaller pages) or try again later') {
    super(message);
  }
}

const QUERY_CANCELED = '57014';
const IN_FAILED_TRANSACTION = '25P02';

/** The SQLSTATE of an error or of one of its causes (drizzle wraps the driver's error). */
function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A statement timeout (57014) as TIMEOUT; so are the refusals of the same request's later statements
 * in its now failed transaction (25P02), which would otherwise look like internal errors.
 */
function asTimeout(error: unknown): TimeoutError | null {
  const state = sqlStateOf(error);
  if (state === QUERY_CANCELED) {
    markRequestTimedOut();
    return new TimeoutError();
  }
  if (state === IN_FAILED_TRANSACTION && requestTimedOut()) return new TimeoutError();
  return null;
}

/** graphql-js's hints name types and fields the caller did not ask about: ` Did you mean "x" or "y"?`. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

function requestIdField(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId ? { requestId } : {};
}

function logInternal(error: unknown): void {
  logError('internal error', error);
}
