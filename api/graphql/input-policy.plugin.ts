/**
 * The input policy (api/input-policy.ts) for GraphQL: before execution, every argument of every
 * field and directive, literal or variable, and every variable default is checked, with the
 * argument's path (`input.name`, `rule.all[0].value`). One walk per operation instead of a check in
 * each resolver, so no argument can be forgotten.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from './graphql-js.js';
import { collectInputProblems, inputPolicyError, printable, textProblem, type InputProblem } from '../input-policy.js';

/** What a document's arguments need checked: a literal's problem (fixed), or a variable's value at a path. */
type Check = { problem: InputProblem } | { variable: string; path: string };

function collectValueChecks(root: ValueNode, path: string, out: Check[]): void {
  const stack: Array<[ValueNode, string]> = [[root, path]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    switch (node.kind) {
      case Kind.STRING: {
        const problem = textProblem(node.value);
        if (problem) out.push({ problem: { path: at, message: problem } });
        break;
      }
      case Kind.VARIABLE:
        out.push({ variable: node.name.value, path: at });
        break;
      case Kind.LIST:
        node.values.forEach((value, i) => stack.push([value, `${at}[${i}]`]));
        break;
      case Kind.OBJECT:
        for (const field of node.fields) stack.push([field.value, `${at}.${printable(field.name.value)}`]);
        break;
      default:
        break;
    }
  }
}

/**
 * The checks of a document, in the order its problems are reported. Computed once per document
 * (Apollo hands every request of the same query text the same cached document): only the
 * variables are checked per request.
 */
const documentChecks = new WeakMap<DocumentNode, readonly Check[]>();

function checksOf(document: DocumentNode): readonly Check[] {
  let checks = documentChecks.get(document);
  if (checks) return checks;
  const out: Check[] = [];
  visit(document, {
    Argument(node) {
      collectValueChecks(node.value, node.name.value, out);
      return false;
    },
    VariableDefinition(node) {
      if (node.defaultValue) collectValueChecks(node.defaultValue, `$${node.variable.name.value}`, out);
      return false;
    },
  });
  documentChecks.set(document, (checks = out));
  return checks;
}

/** Every problem of the operation's inputs (empty when it may run). */
export function operationInputProblems(document: DocumentNode, variables: Record<string, unknown>): InputProblem[] {
  const out: InputProblem[] = [];
  for (const check of checksOf(document)) {
    if ('problem' in check) out.push(check.problem);
    else collectInputProblems(variables[check.variable], check.path, out);
  }
  return out;
}

export function inputPolicyPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const problems = operationInputProblems(document, request.variables ?? {});
          if (problems.length === 0) return;
          const error = inputPolicyError(problems);
          throw new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, http: { status: 400 } } });
        },
      };
    },
  };
}
