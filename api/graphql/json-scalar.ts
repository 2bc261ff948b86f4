/**
 * The JSON scalar (rules, traits, event properties). graphql-scalars' GraphQLJSON reads an inline
 * literal (`rule: { all: [...] }` written in the query, not passed as a variable) into objects
 * without a prototype (`Object.create(null)`), which the rest of the API does not expect: on the way
 * to storage something reads `value.constructor` ("Cannot read properties of null (reading
 * 'constructor')"), so `createSegment` with an inline rule was an internal error. This one builds plain objects and arrays, iteratively. Values are checked by the input
 * policy (api/graphql/input-policy.plugin.ts) before any resolver sees them.
 */
import { GraphQLJSON } from 'graphql-scalars';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from './graphql-js.js';

type Slot = { set(value: unknown): void };

function literalToJson(root: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  let result: unknown;
  const stack: Array<[ValueNode, Slot]> = [[root, { set: (v) => (result = v) }]];
  while (stack.length > 0) {
    const [node, slot] = stack.pop()!;
    switch (node.kind) {
      case Kind.STRING:
      case Kind.ENUM:
        slot.set(node.value);
        break;
      case Kind.BOOLEAN:
        slot.set(node.value);
        break;
      case Kind.INT:
      case Kind.FLOAT:
        slot.set(Number(node.value));
        break;
      case Kind.NULL:
        slot.set(null);
        break;
      case Kind.VARIABLE:
        slot.set(variables?.[node.name.value] ?? null);
        break;
      case Kind.LIST: {
        const list: unknown[] = new Array(node.values.length);
        slot.set(list);
        node.values.forEach((value, i) => stack.push([value, { set: (v) => (list[i] = v) }]));
        break;
      }
      case Kind.OBJECT: {
        const object: Record<string, unknown> = {};
        slot.set(object);
        for (const field of node.fields) {
          stack.push([field.value, { set: (v) => Object.defineProperty(object, field.name.value, { value: v, enumerable: true, writable: true, configurable: true }) }]);
        }
        break;
      }
      default:
        throw new GraphQLError(`JSON cannot represent this value`, { nodes: [node] });
    }
  }
  return result;
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: GraphQLJSON.description,
  specifiedByURL: GraphQLJSON.specifiedByURL,
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalToJson(node, variables),
});
