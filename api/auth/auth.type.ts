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
  valuesConfig: {
    ADMIN: { description: 'Everything in the workspace, API keys included.' },
    EDITOR: { description: 'Segments, categories, traits, exports, profiles with their personal data, erasure and identify tokens.' },
    VIEWER: { description: 'Reads segments, analytics and profiles without contact data; writes nothing.' },
    INGEST: { description: 'Writes profiles and events (upsertProfile(s), trackEvents) and gets back only their ids.' },
    EDGE: { description: 'For the Cloudflare Worker: the ruleset feed, page view reports and memberships of identified visitors (REST, not GraphQL).' },
  },
  description: 'ADMIN: everything, API keys included. EDITOR: segments, traits, exports, profiles with their personal data, erasure, identify tokens. VIEWER: reads segments and analytics, profiles without contact data. INGEST: writes profiles and events and gets back only their ids. EDGE: the ruleset feed, page view reports and memberships of identified visitors (REST).',
});

@ObjectType('Workspace', { description: 'A workspace: everything in it is invisible to other workspaces.' })
export class WorkspaceType {
  @Field(() => ID, { description: 'The workspace id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'Its display name, 1 to 200 characters (not unique).' })
  name!: string;
  @Field(() => GraphQLDateTime, { description: 'When the instance admin created it.' })
  createdAt!: Date;
}

@ObjectType('ApiKey', { description: 'An API key (its secret is only ever shown once, at creation).' })
export class ApiKeyType {
  @Field(() => ID, { description: 'The key id (a UUID): pass it to revokeApiKey. Not the secret.' })
  id!: string;
  @Field(() => String, { description: 'The name given at creation, 1 to 200 characters, to tell what uses the key.' })
  name!: string;
  @Field(() => ApiRoleEnum, { description: 'What the key may do; fixed at creation.' })
  role!: ApiRoleEnum;
  @Field(() => String, { description: 'The first characters of the secret, to tell keys apart.' })
  prefix!: string;
  @Field(() => GraphQLDateTime, { description: 'When the key was created.' })
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Last use, to the minute; null when never used.' })
  lastUsedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When it was revoked (requests with it are refused from then on); null while it is valid.' })
  revokedAt!: Date | null;
}

export const ApiKeyConnection = ConnectionOf('ApiKey', ApiKeyType);

@ObjectType({ description: 'A new API key with its secret, shown this once.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'The secret (`ae_...`). Store it now: it is not shown again.' })
  key!: string;
  @Field(() => ApiKeyType, { description: 'The key as listed by apiKeys (id, name, role, prefix).' })
  apiKey!: ApiKeyType;
}
