/**
 * What a connection query asks of its nodes: the field names selected under `edges { node { ... } }`,
 * through fragments, so that a listing can read only those columns. Conservative: directives are
 * ignored (a skipped field still counts) and anything it cannot follow gives null ("everything").
 */
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from './graphql-js.js';

type Fragments = GraphQLResolveInfo['fragments'];

/** Calls `onField` for every field of `set` (fragments inlined); false when a fragment is unknown. */
function eachField(set: SelectionSetNode | undefined, fragments: Fragments, onField: (field: FieldNode) => boolean, seen = new Set<string>()): boolean {
  if (!set) return true;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!onField(selection)) return false;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!eachField(selection.selectionSet, fragments, onField, seen)) return false;
    } else {
      const name = selection.name.value;
      const fragment: FragmentDefinitionNode | undefined = fragments[name];
      if (!fragment || seen.has(name)) return false;
      seen.add(name);
      const ok = eachField(fragment.selectionSet, fragments, onField, seen);
      seen.delete(name);
      if (!ok) return false;
    }
  }
  return true;
}

/**
 * The names of the fields selected on the nodes of the connection this resolver returns, or null
 * when they cannot be told.
 * @example `{ segments { edges { node { id name } } pageInfo { endCursor } } }` -> Set { 'id', 'name' }
 */
export function selectedNodeFields(info: GraphQLResolveInfo): Set<string> | null {
  const names = new Set<string>();
  const collectNode = (field: FieldNode) => {
    names.add(field.name.value);
    return true;
  };
  const collectEdge = (field: FieldNode) => (field.name.value === 'node' ? eachField(field.selectionSet, info.fragments, collectNode) : true);
  const collectConnection = (field: FieldNode) => (field.name.value === 'edges' ? eachField(field.selectionSet, info.fragments, collectEdge) : true);
  for (const node of info.fieldNodes) if (!eachField(node.selectionSet, info.fragments, collectConnection)) return null;
  return names;
}
