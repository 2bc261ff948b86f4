import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ApiKeyType, WorkspaceType } from '../auth/auth.type.js';
import { ConnectionOf } from '../graphql/connection.js';

export const WorkspaceConnection = ConnectionOf('Workspace', WorkspaceType);

@ObjectType({ description: 'A new workspace and its first admin key (instance admin).' })
export class CreatedWorkspace {
  @Field(() => WorkspaceType, { description: 'The workspace created.' })
  workspace!: WorkspaceType;
  @Field(() => String, { description: "The first admin key's secret (`ae_...`): store it now, it is not shown again. With it the workspace's admin creates the other keys (createApiKey)." })
  adminKey!: string;
  @Field(() => ApiKeyType, { description: 'The first admin key (its id, name, prefix).' })
  apiKey!: ApiKeyType;
}

@ObjectType({ description: 'What deleteWorkspace erased (counted just before, in the same transaction).' })
export class DeletedWorkspace {
  @Field(() => ID, { description: 'The id the workspace had.' })
  id!: string;
  @Field(() => String, { description: 'The name it had.' })
  name!: string;
  @Field(() => Int, { description: 'Profiles erased, with their events, memberships, visitor ids and export identifiers.' })
  profiles!: number;
  @Field(() => Int, { description: 'Events erased.' })
  events!: number;
  @Field(() => Int, { description: 'Segments deleted, with their versions, members, splits and size history.' })
  segments!: number;
  @Field(() => Int, { description: 'Audience exports deleted, with every line of their files.' })
  audienceExports!: number;
  @Field(() => Int, { description: 'API keys deleted: refused at once by this API process, within 5 s by others.' })
  apiKeys!: number;
}
