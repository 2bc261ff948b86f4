/**
 * The per-request budget, checked before execution: validation rules that refuse operations nested
 * deeper than a maximum, or costing more than a budget in units of database work (the costs of
 * api/graphql/costs.ts: counts and scans per field, pages multiplied by their size). The same
 * measure (`operationCost`) is what the per-key rate limiter charges.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isCompositeType,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from './graphql-js.js';
import { MAX_PAGE_SIZE } from './connection.js';
import { fieldCost } from './costs.js';

export const MAX_QUERY_DEPTH = 12;
/** The most one request may cost (20 `previewSegment`s; a page of 100 profiles with 97 events each). */
export const MAX_QUERY_COMPLEXITY = 10_000;

type Fragments = Record<string, FragmentDefinitionNode>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Fragments;
  visiting: Set<string>;
  maxDepth: number;
}

function pageSize(selection: { arguments?: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] }): number | null {
  const first = selection.arguments?.find((a) => a.name.value === 'first');
  if (!first) return null;
  if (first.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  if (first.value.kind === Kind.VARIABLE) return MAX_PAGE_SIZE;
  return null;
}

function walk(walkState: Walk, set: SelectionSetNode | undefined, type: GraphQLCompositeType | null, depth: number): number {
  if (!set) return 0;
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      walkState.maxDepth = Math.max(walkState.maxDepth, depth + 1);
      const field = type && 'getFields' in type ? type.getFields()[name] : undefined;
      const fieldType = field ? getNamedType(field.type) : undefined;
      const child = fieldType && isCompositeType(fieldType) ? fieldType : null;
      const below = walk(walkState, selection.selectionSet, child, depth + 1);
      const rows = pageSize(selection);
      cost += (type ? fieldCost(type.name, name) : 0) + (rows === null ? below : rows * (1 + below));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? walkState.schema.getType(selection.typeCondition.name.value) : type;
      cost += walk(walkState, selection.selectionSet, condition && isCompositeType(condition) ? condition : type, depth);
    } else {
      const name = selection.name.value;
      const fragment = walkState.fragments[name];
      if (!fragment || walkState.visiting.has(name)) continue; // unknown or cyclic: graphql-js reports those
      walkState.visiting.add(name);
      const condition = walkState.schema.getType(fragment.typeCondition.name.value);
      cost += walk(walkState, fragment.selectionSet, condition && isCompositeType(condition) ? condition : null, depth);
      walkState.visiting.delete(name);
    }
  }
  return cost;
}

function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/** Depth and cost of one operation of `document`. */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): { depth: number; cost: number } {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const state: Walk = { schema, fragments: fragmentsOf(document), visiting: new Set(), maxDepth: 0 };
  const cost = walk(state, operation.selectionSet, root ?? null, 0);
  return { depth: state.maxDepth, cost };
}

/**
 * The cost of an operation, measured once per operation node: Apollo hands every request of the
 * same query text the same cached document, and the per-key rate charges every request.
 */
const costs = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();

export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): number {
  const known = costs.get(operation);
  if (known && known.schema === schema) return known.cost;
  const { cost } = measureOperation(schema, document, operation);
  costs.set(operation, { schema, cost });
  return cost;
}

/** Refuses operations nested deeper than `maxDepth` fields or costing more than `maxCost`. */
export function queryLimits(maxDepth = MAX_QUERY_DEPTH, maxCost = MAX_QUERY_COMPLEXITY) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, cost } = measureOperation(context.getSchema(), context.getDocument(), operation);
      if (depth > maxDepth) {
        context.reportError(new GraphQLError(`The query is nested ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [operation] }));
      }
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(`The query's cost is ${cost}; the limit is ${maxCost}: ask for fewer counts (aliases, sizes, previews) or smaller pages`, { nodes: [operation] }),
        );
      }
    },
  });
}
