/**
 * Logging without personal data, and the request id every log line of a request carries.
 *
 * Drizzle's query errors read "Failed query: <sql>\nparams: <e-mails, traits, external ids...>", and
 * PostgreSQL's own messages quote the offending value (`invalid input syntax for type uuid: "..."`).
 * `describeForLog` keeps what an operator needs (the error's class, the SQL text, the SQLSTATE, the
 * message with quoted values blanked, the stack frames) and drops parameters and PostgreSQL's
 * `detail`/`where` fields; as a last net it blanks anything shaped like an e-mail or phone number.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface RequestScope {
  requestId: string;
  /** A statement of this request hit the statement timeout (its transaction's later statements fail too). */
  timedOut: boolean;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** A fresh request id (a UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/** Runs `fn` with `requestId` as the current request's id (read by `currentRequestId` and the logs). */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId, timedOut: false }, fn);
}

/** Notes that a statement of the current request was cancelled by the statement timeout. */
export function markRequestTimedOut(): void {
  const current = scope.getStore();
  if (current) current.timedOut = true;
}

/** True when a statement of the current request hit the statement timeout. */
export function requestTimedOut(): boolean {
  return scope.getStore()?.timedOut ?? false;
}

/** The id of the request being served, or undefined outside a request (background jobs). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

const EMAIL = /[^\s"'<>(),;:@]+@[^\s"'<>(),;:@]+\.[^\s"'<>(),;:@]+/g;
const PHONE = /\+?\d[\d\s().-]{6,}\d/g;
/** A quoted value after a colon, as PostgreSQL quotes input it refuses: `...: "value"`. */
const QUOTED_VALUE = /: "(?:[^"\\]|\\.)*"/g;

/** Blanks e-mails, phone-like digit runs and values PostgreSQL quoted in `text`. */
export function redactText(text: string): string {
  return text.replace(QUOTED_VALUE, ': "[redacted]"').replace(EMAIL, '[email]').replace(PHONE, '[number]');
}

function messageOf(error: Error): string {
  const failed = /^Failed query: ([\s\S]*)\nparams: [\s\S]*$/.exec(error.message);
  // The SQL text has placeholders ($1, $2) only: its shape stays, the parameters go.
  if (failed) return `Failed query: ${redactText(failed[1]!)} [parameters redacted]`;
  return redactText(error.message);
}

function describeOne(error: unknown): string {
  if (!(error instanceof Error)) return redactText(String(error));
  const sqlState = (error as { code?: unknown }).code;
  const state = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) ? ` [SQLSTATE ${sqlState}]` : '';
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [`${error.name}${state}: ${messageOf(error)}`, ...frames.map((f) => redactText(f))].join('\n');
}

/** The error and its causes as text fit for a log: no parameters, no personal data. */
export function describeForLog(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(describeOne(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}

/** A short message for users and stored records (an export's `error`): the first line, redacted. */
export function publicMessageOf(error: unknown): string {
  // A failed query's own text is an internal detail: its cause (PostgreSQL's message) says what went wrong.
  if (error instanceof Error && error.message.startsWith('Failed query: ') && error.cause instanceof Error) return publicMessageOf(error.cause);
  return (error instanceof Error ? messageOf(error) : redactText(String(error))).split('\n')[0]!;
}

/** Logs `what` and `error` to stderr, redacted, with the current request id when there is one. */
export function logError(what: string, error: unknown): void {
  const requestId = currentRequestId();
  console.error(`${what}${requestId ? ` (request ${requestId})` : ''}: ${describeForLog(error)}`);
}
