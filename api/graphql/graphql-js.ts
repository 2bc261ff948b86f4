/**
 * graphql-js, always as the one instance type-graphql and Apollo use. graphql 16 ships both a
 * CommonJS (`main`) and an ESM (`module`) build; Node resolves the former, Vite (vitest) the
 * latter for our sources, and a schema built by one is refused by the other ("from another module
 * or realm"). Naming the CommonJS file pins every resolver to the same instance.
 */
export { execute, getVariableValues, GraphQLError, GraphQLScalarType, Kind, lexicographicSortSchema, printSchema, validate, parse, visit, getNamedType, isCompositeType, isObjectType } from 'graphql/index.js';
export type { ASTVisitor, FieldNode, FragmentDefinitionNode, DocumentNode, GraphQLCompositeType, GraphQLResolveInfo, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, ValidationContext, ValueNode } from 'graphql/index.js';
