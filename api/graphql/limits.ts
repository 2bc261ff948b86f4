/**
 * Validation rules that refuse expensive operations before they run: a maximum selection depth
 * and a simple complexity score (every field costs 1; a field with a `first` argument multiplies
 * the cost of its selection by that page size, or by the page-size cap when it is a variable).
 */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from './graphql-js.js';
import { MAX_PAGE_SIZE } from './connection.js';

export const MAX_QUERY_DEPTH = 12;
export const MAX_QUERY_COMPLEXITY = 10_000;

type Fragments = Record<string, FragmentDefinitionNode>;

function walk(
  set: SelectionSetNode | undefined,
  fragments: Fragments,
  visiting: Set<string>,
  onField: (depth: number) => void,
  depth: number,
): number {
  if (!set) return 0;
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      onField(depth + 1);
      const first = selection.arguments?.find((a) => a.name.value === 'first');
      let multiplier = 1;
      if (first?.value.kind === Kind.INT) multiplier = Math.max(1, Number(first.value.value));
      else if (first?.value.kind === Kind.VARIABLE) multiplier = MAX_PAGE_SIZE;
      cost += 1 + multiplier * walk(selection.selectionSet, fragments, visiting, onField, depth + 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      cost += walk(selection.selectionSet, fragments, visiting, onField, depth);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue; // unknown or cyclic: graphql-js reports those
      visiting.add(name);
      cost += walk(fragment.selectionSet, fragments, visiting, onField, depth);
      visiting.delete(name);
    }
  }
  return cost;
}

function measure(context: ValidationContext, operation: OperationDefinitionNode): { depth: number; cost: number } {
  const fragments: Fragments = {};
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  let depth = 0;
  const cost = walk(operation.selectionSet, fragments, new Set(), (d) => (depth = Math.max(depth, d)), 0);
  return { depth, cost };
}

/** Refuses operations nested deeper than `maxDepth` fields or scoring above `maxCost`. */
export function queryLimits(maxDepth = MAX_QUERY_DEPTH, maxCost = MAX_QUERY_COMPLEXITY) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, cost } = measure(context, operation);
      if (depth > maxDepth) {
        context.reportError(new GraphQLError(`The query is nested ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [operation] }));
      }
      if (cost > maxCost) {
        context.reportError(new GraphQLError(`The query's complexity is ${cost}; the limit is ${maxCost}: ask for smaller pages`, { nodes: [operation] }));
      }
    },
  });
}
