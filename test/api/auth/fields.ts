/**
 * The field-level half of the role table (README "Roles"), written out independently of the code,
 * and the field paths the field-level suite requests: every path of an operation's return type to a
 * leaf, two object levels deep (connections see-through).
 */
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  print,
  visit,
  type FieldNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
} from 'graphql/index.js';
import { buildApiSchema } from '../../../api/graphql/schema.js';
import type { ApiRole } from '../../../drizzle/index.js';

const PERSONAL: readonly ApiRole[] = ['admin', 'editor'];
const PROFILE_DATA: readonly ApiRole[] = ['admin', 'editor', 'viewer'];

/** `Type.field` -> the roles that may read it; a field not listed is open to whoever may run the operation. */
export const FIELD_ROLES: Record<string, readonly ApiRole[]> = {
  'Profile.email': PERSONAL,
  'Profile.phone': PERSONAL,
  'Profile.phoneE164': PERSONAL,
  'Profile.firstName': PERSONAL,
  'Profile.lastName': PERSONAL,
  'Profile.city': PERSONAL,
  'Profile.region': PERSONAL,
  'Profile.postalCode': PERSONAL,
  'Profile.madid': PERSONAL,
  'Profile.lastSeenGeo': PERSONAL,
  'Profile.country': PROFILE_DATA,
  'Profile.traits': PROFILE_DATA,
  'Profile.consent': PROFILE_DATA,
  'Profile.computed': PROFILE_DATA,
  'Profile.predicted': PROFILE_DATA,
  'Profile.events': PROFILE_DATA,
  'Profile.segments': PROFILE_DATA,
  'Profile.visitorIds': PROFILE_DATA,
};

/** A path of fields under an operation's root field, e.g. `UpsertProfilesResult.profiles > Profile.email`. */
export interface FieldPath {
  steps: string[];
  /** Field names from the root field down (ending in __typename for an object at the depth limit). */
  names: string[];
}

const isConnection = (type: GraphQLObjectType) => /(Connection|Edge)$/.test(type.name);
const MAX_OBJECT_DEPTH = 2;

/** `{ a { b c } d }` for the paths [a, b], [a, c], [d]. */
function selectionOf(paths: ReadonlyArray<readonly string[]>): string {
  const groups = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) {
    if (!groups.has(head!)) groups.set(head!, []);
    if (rest.length) groups.get(head!)!.push(rest);
  }
  return `{ ${[...groups].map(([name, rests]) => (rests.length ? `${name} ${selectionOf(rests)}` : name)).join(' ')} }`;
}

/** Every path to probe under `type`: leaves, and object fields at the depth limit with __typename. */
function paths(type: GraphQLObjectType, depth: number, seen: Set<string>): Array<{ steps: string[]; names: string[] }> {
  const out: Array<{ steps: string[]; names: string[] }> = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue; // covered by operation-level cases
    const step = `${type.name}.${field.name}`;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      out.push({ steps: [step], names: [field.name] });
    } else if (isObjectType(named)) {
      const next = isConnection(named) ? depth : depth + 1;
      if (next > MAX_OBJECT_DEPTH || seen.has(named.name)) {
        out.push({ steps: [step], names: [field.name, '__typename'] });
        continue;
      }
      for (const p of paths(named, next, new Set([...seen, named.name]))) out.push({ steps: [step, ...p.steps], names: [field.name, ...p.names] });
    }
  }
  return out;
}

/** The field paths of a GraphQL operation's answer (its first root field). */
export function fieldPaths(query: string): FieldPath[] {
  const schema = buildApiSchema();
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const root = operation.selectionSet.selections[0] as FieldNode;
  const rootType = operation.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const returned = getNamedType(rootType.getFields()[root.name.value]!.type);
  return isObjectType(returned) ? paths(returned, 0, new Set([returned.name])) : [];
}

/** The operation with its root field's selection replaced by exactly these paths. */
export function selectPaths(query: string, selected: readonly FieldPath[]): string {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const root = operation.selectionSet.selections[0] as FieldNode;
  const wrapper = parse(`{ x ${selectionOf(selected.map((p) => p.names))} }`).definitions[0] as OperationDefinitionNode;
  const selectionSet = (wrapper.selectionSet.selections[0] as FieldNode).selectionSet!;
  return print(visit(document, { Field: (node) => (node === root ? { ...node, selectionSet } : undefined) }));
}

/** The response path of a field path under the root field (what `errors[].path` names, list indexes aside). */
export function responsePath(query: string, path: FieldPath): string[] {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const root = operation.selectionSet.selections[0] as FieldNode;
  return [root.alias?.value ?? root.name.value, ...path.names.filter((n) => n !== '__typename')];
}

/** The roles that may read every field of a probe's path. */
export function allowedOnPath(steps: readonly string[], roles: readonly ApiRole[]): ApiRole[] {
  return roles.filter((role) => steps.every((step) => FIELD_ROLES[step]?.includes(role) ?? true));
}
