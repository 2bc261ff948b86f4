import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { asUuid } from '../graphql/ids.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { ApiKeyConnection, ApiKeyType, ApiRoleEnum, CreatedApiKey, WorkspaceType } from './auth.type.js';
import { createApiKey, getWorkspace, listApiKeys, revokeApiKey } from './auth.service.js';

@Resolver()
export class AuthResolver {
  @Query(() => WorkspaceType, { description: "The caller's workspace (any role)." })
  async workspace(@Ctx() ctx: RequestContext): Promise<WorkspaceType> {
    const caller = requireRole(ctx, ROLES.any);
    return getWorkspace(ctx.db, caller.workspaceId);
  }

  @Query(() => ApiKeyConnection, { description: 'The API keys of the workspace, newest first (admin).' })
  async apiKeys(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<ApiKeyType>> {
    const caller = requireRole(ctx, ROLES.admin);
    return listApiKeys(ctx.db, caller.workspaceId, pageRequest(args)) as Promise<Connection<ApiKeyType>>;
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; its secret is in the answer and nowhere else (admin).' })
  async createApiKey(
    @Arg('name', () => String, { description: 'What uses the key, 1 to 200 characters (trimmed).' }) name: string,
    @Arg('role', () => ApiRoleEnum, { description: 'What the key may do (cannot be changed later).' }) role: ApiRoleEnum,
    @Ctx() ctx: RequestContext,
  ): Promise<CreatedApiKey> {
    const caller = requireRole(ctx, ROLES.admin);
    return createApiKey(ctx.db, caller.workspaceId, name, role, ctx.now) as Promise<CreatedApiKey>;
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes an API key at once; revoking twice is harmless (admin).' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The id of the key (ApiKey.id), not its secret.' }) id: string, @Ctx() ctx: RequestContext): Promise<ApiKeyType> {
    const caller = requireRole(ctx, ROLES.admin);
    return revokeApiKey(ctx.db, caller.workspaceId, asUuid(id), ctx.now) as Promise<ApiKeyType>;
  }
}
