import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireInstanceAdmin, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { createWorkspace } from '../auth/auth.service.js';
import { WorkspaceType } from '../auth/auth.type.js';
import { CreatedWorkspace, DeletedWorkspace, WorkspaceConnection } from './workspaces.type.js';
import { deleteWorkspace, listWorkspaces, renameWorkspace } from './workspaces.service.js';

/** Instance administration: only the instance admin token (ADMIN_TOKEN) runs these; no API key does. */
@Resolver()
export class WorkspaceAdminResolver {
  @Query(() => WorkspaceConnection, { description: 'Every workspace of this API instance, oldest first (instance admin token only).' })
  async workspaces(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<WorkspaceType>> {
    requireInstanceAdmin(ctx);
    return listWorkspaces(ctx.db, pageRequest(args));
  }

  @Mutation(() => CreatedWorkspace, { description: 'Creates a workspace and its first admin key, whose secret is in the answer and nowhere else (instance admin token only).' })
  async createWorkspace(@Arg('name', () => String, { description: '1 to 200 characters (trimmed).' }) name: string, @Ctx() ctx: RequestContext): Promise<CreatedWorkspace> {
    requireInstanceAdmin(ctx);
    const { workspace, adminKey, apiKey } = await createWorkspace(ctx.db, name, ctx.now);
    return { workspace, adminKey, apiKey } as CreatedWorkspace;
  }

  @Mutation(() => WorkspaceType, { description: 'Renames a workspace (instance admin token only).' })
  async renameWorkspace(@Arg('id', () => ID, { description: 'The workspace to rename (Workspace.id).' }) id: string, @Arg('name', () => String, { description: '1 to 200 characters (trimmed).' }) name: string, @Ctx() ctx: RequestContext): Promise<WorkspaceType> {
    requireInstanceAdmin(ctx);
    return renameWorkspace(ctx.db, id, name);
  }

  @Mutation(() => DeletedWorkspace, {
    description:
      'Deletes a workspace and erases everything in it at once, in one transaction: profiles, events, memberships, segments, exports and their files, keys (instance admin token only). CONFLICT while one of its exports is being built.',
  })
  async deleteWorkspace(@Arg('id', () => ID, { description: 'The workspace to delete (Workspace.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<DeletedWorkspace> {
    requireInstanceAdmin(ctx);
    return deleteWorkspace(ctx.db, id);
  }
}
