/**
 * The input policy (api/input-policy.ts) for GraphQL: before execution, every argument of every
 * field and directive, literal or variable, and every variable default is checked, with the
 * argument's path (`input.name`, `rule.all[0].value`). One walk per operation instead of a check in
 * each resolver, so no argument can be forgotten.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from './graphql-js.js';
import { collectInputProblems, inputPolicyError, printable, textProblem, type InputProblem } from '../input-policy.js';

function collectValueProblems(root: ValueNode, path: string, variables: Record<string, unknown>, out: InputProblem[]): void {
  const stack: Array<[ValueNode, string]> = [[root, path]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    switch (node.kind) {
      case Kind.STRING: {
        const problem = textProblem(node.value);
        if (problem) out.push({ path: at, message: problem });
        break;
      }
      case Kind.VARIABLE:
        collectInputProblems(variables[node.name.value], at, out);
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

/** Every problem of the operation's inputs (empty when it may run). */
export function operationInputProblems(document: DocumentNode, variables: Record<string, unknown>): InputProblem[] {
  const out: InputProblem[] = [];
  visit(document, {
    Argument(node) {
      collectValueProblems(node.value, node.name.value, variables, out);
      return false;
    },
    VariableDefinition(node) {
      if (node.defaultValue) collectValueProblems(node.defaultValue, `$${node.variable.name.value}`, variables, out);
      return false;
    },
  });
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
