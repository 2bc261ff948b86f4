import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionOf } from '../graphql/connection.js';

export enum ApiRoleEnum {
  ADMIN = 'admin',
  EDITOR = 'editor',
  VIEWER = 'viewer',
  INGEST = 'ingest',
  EDGE = 'edge',
}
registerEnumType(ApiRoleEnum, {
  name: 'ApiRole',
  description: 'ADMIN: everything, API keys included. EDITOR: segments, traits, exports, profiles with their personal data, erasure, identify tokens. VIEWER: reads segments and analytics, profiles without contact data. INGEST: writes profiles and events and gets back only their ids. EDGE: the ruleset feed, page view reports and memberships of identified visitors (REST).',
});

@ObjectType({ description: 'A workspace: everything in it is invisible to other workspaces.' })
export class WorkspaceType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

@ObjectType({ description: 'An API key (its secret is only ever shown once, at creation).' })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => ApiRoleEnum)
  role!: ApiRoleEnum;
  @Field(() => String, { description: 'The first characters of the secret, to tell keys apart.' })
  prefix!: string;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last use, to the minute.' })
  lastUsedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true })
  revokedAt!: Date | null;
}

export const ApiKeyConnection = ConnectionOf('ApiKey', ApiKeyType);

@ObjectType()
export class CreatedApiKey {
  @Field(() => String, { description: 'The secret (`ae_...`). Store it now: it is not shown again.' })
  key!: string;
  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}
