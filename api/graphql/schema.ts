/** The executable GraphQL schema, built once per process from the resolver list. */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema, lexicographicSortSchema, type GraphQLSchema } from './graphql-js.js';
import { buildSchemaSync } from 'type-graphql';
import { resolvers } from './resolvers.js';
import { authChecker } from '../auth/authorization.js';

let built: GraphQLSchema | undefined;

export function buildApiSchema(): GraphQLSchema {
  built ??= buildSchemaSync({ resolvers: [...resolvers] as [Function, ...Function[]], validate: false, authChecker });
  return built;
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
