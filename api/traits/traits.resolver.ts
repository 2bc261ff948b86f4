import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { TraitDefinitionConnection, TraitDefinitionType, TraitTypeEnum } from './traits.type.js';
import { defineTrait, listTraits } from './traits.service.js';

@Resolver()
export class TraitResolver {
  @Query(() => TraitDefinitionConnection, { description: 'The declared traits, oldest first.' })
  async traitDefinitions(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<TraitDefinitionType>> {
    const caller = requireRole(ctx, [...ROLES.read, 'ingest']);
    return listTraits(ctx.db, caller.workspaceId, pageRequest(args)) as Promise<Connection<TraitDefinitionType>>;
  }

  @Mutation(() => TraitDefinitionType, { description: 'Declares a trait (or updates its description); another type for a declared name is a CONFLICT.' })
  async defineTrait(
    @Arg('name', () => String, { description: 'The trait name: a letter, then letters, digits or _ (at most 64 characters).' }) name: string,
    @Arg('type', () => TraitTypeEnum, { description: 'Its type; must match the declared one when the name exists (CONFLICT otherwise).' }) type: TraitTypeEnum,
    @Arg('description', () => String, { nullable: true, description: 'What it means, for people, at most 1,000 characters; null or omitted keeps the current one (none for a new trait).' }) description: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<TraitDefinitionType> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return defineTrait(ctx.db, caller.workspaceId, name, type, description ?? null, ctx.now) as Promise<TraitDefinitionType>;
  }
}
