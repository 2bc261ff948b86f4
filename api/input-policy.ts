/**
 * The one input policy at the API's boundary (GraphQL arguments and variables, REST parameters and
 * bodies): no string or object key may hold a NUL (U+0000: PostgreSQL text and jsonb cannot store
 * it) or a lone surrogate (not text: no UTF-8 encoding exists), and no value may nest deeper than
 * MAX_INPUT_DEPTH (the walk is iterative, so a 20,000-deep value costs no stack). Every problem
 * comes back with its path; callers answer BAD_USER_INPUT, never an internal error.
 */
import { BadInputError } from './errors.js';

export const MAX_INPUT_DEPTH = 64;
/** Enough to show what is wrong without answering with a list as long as the input. */
const MAX_PROBLEMS = 20;

export interface InputProblem {
  path: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Why a string cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (malformed UTF-16), which is not text';
  return null;
}

/** A key as it can be shown in a path: NUL and lone surrogates written as \uXXXX. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
}

/** Appends the problems of a JSON-like value (strings, keys, nesting) found under `path` to `out`. */
export function collectInputProblems(value: unknown, path: string, out: InputProblem[]): InputProblem[] {
  const stack: Array<[unknown, string, number]> = [[value, path, 0]];
  while (stack.length > 0 && out.length < MAX_PROBLEMS) {
    const [current, at, depth] = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) out.push({ path: at, message: problem });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) {
      out.push({ path: at, message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      continue;
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${at}[${i}]`, depth + 1]);
      continue;
    }
    const entries = Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const childPath = at ? `${at}.${printable(key)}` : printable(key);
      const problem = textProblem(key);
      if (problem) out.push({ path: childPath, message: `its key ${problem}` });
      stack.push([child, childPath, depth + 1]);
    }
  }
  return out;
}

/** The error for a list of problems: BAD_USER_INPUT with `extensions.problems` (REST: 400 with them). */
export function inputPolicyError(problems: readonly InputProblem[]): BadInputError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
  return new BadInputError(`${first.path}: ${first.message}${more}`, { problems });
}

/** Throws BAD_USER_INPUT unless `value` (named `path`) passes the policy. */
export function checkInput(value: unknown, path: string): void {
  const problems = collectInputProblems(value, path, []);
  if (problems.length > 0) throw inputPolicyError(problems);
}
