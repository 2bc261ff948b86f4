/** The executable GraphQL schema, built once per process from the resolver list. */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isObjectType, printSchema, lexicographicSortSchema, type GraphQLSchema } from './graphql-js.js';
import { buildSchemaSync, getMetadataStorage } from 'type-graphql';
import { resolvers } from './resolvers.js';
import { authChecker } from '../auth/authorization.js';

let built: GraphQLSchema | undefined;

export function buildApiSchema(): GraphQLSchema {
  if (!built) {
    built = buildSchemaSync({ resolvers: [...resolvers] as [Function, ...Function[]], validate: false, authChecker });
    readPlainFieldsDirectly(built);
    describeRootTypes(built);
  }
  return built;
}

/** type-graphql has no option for the root types' descriptions, which IDEs show first. */
function describeRootTypes(schema: GraphQLSchema): void {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = 'Reads of the workspace of the API key in `Authorization: Bearer <key>` (workspaces: the instance admin token). Lists are Relay connections: pass pageInfo.endCursor as `after` for the next page.';
  if (mutation) mutation.description = 'Writes to the workspace of the API key in `Authorization: Bearer <key>` (workspace administration: the instance admin token). Errors carry extensions.code: BAD_USER_INPUT (each problem with its path), UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT ...';
}

/** True when `a` and `b` are the same class or one extends the other. */
const related = (a: Function, b: Function) => a === b || a.prototype instanceof b || b.prototype instanceof a;

/**
 * type-graphql gives every field of an object type a resolver of its own, even a plain property
 * with nothing to check: it builds the middleware chain's arguments and returns `root[name]`, once
 * per field of every row (250 calls for a page of 50 segments). Such fields here get graphql's
 * default (the property read, which graphql-jit inlines) when nothing would run in that wrapper:
 * no @Authorized roles (field-level authorization), no middleware on the field or its class, no
 * @FieldResolver or arguments, and the property has the field's name. Everything else keeps its
 * resolver. The schema is built without global middlewares, whose absence this relies on.
 * Returns the names (`Type.field`) of the fields it changed.
 */
export function readPlainFieldsDirectly(schema: GraphQLSchema): string[] {
  const storage = getMetadataStorage();
  const changed: string[] = [];
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type) || objectType.interfaceClasses?.length) continue;
    const fields = type.getFields();
    const classWide = storage.resolverMiddlewares.some((m) => related(m.target, objectType.target));
    for (const field of storage.fields) {
      if (field.target !== objectType.target || field.name !== field.schemaName || classWide) continue;
      const graphqlField = fields[field.schemaName];
      if (!graphqlField?.resolve) continue;
      const guarded =
        storage.authorizedFields.some((a) => a.fieldName === field.name && related(a.target, field.target)) ||
        storage.middlewares.some((m) => m.fieldName === field.name && related(m.target, field.target)) ||
        storage.params.some((p) => p.methodName === field.name && related(p.target, field.target)) ||
        storage.fieldResolvers.some((r) => r.methodName === field.name && (related(r.target, field.target) || (r.kind === 'external' && r.getObjectType?.() === field.target)));
      if (guarded) continue;
      graphqlField.resolve = undefined;
      changed.push(`${type.name}.${field.schemaName}`);
    }
  }
  return changed;
}

export const SCHEMA_SDL_PATH = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

/** The SDL, sorted so that the committed file only changes when the schema does. */
export function printApiSchema(): string {
  return `# Generated from the resolvers by api/graphql/emit-schema.ts (npm run schema:emit). Do not edit.\n\n${printSchema(lexicographicSortSchema(buildApiSchema()))}\n`;
}

/** Writes schema/schema.graphql. */
export function emitSchemaFile(path = SCHEMA_SDL_PATH): void {
  writeFileSync(path, printApiSchema());
}
