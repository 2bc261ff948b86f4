import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { EventNameConnection, EventNameType, EventPropertyType } from './event-names.type.js';
import { eventProperties, listEventNames } from './event-names.service.js';

@Resolver(() => EventNameType)
export class EventNameResolver {
  @Query(() => EventNameConnection, { description: 'The event names this workspace has tracked, with counts, last seen and their properties, in the order first tracked.' })
  eventNames(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<EventNameType>> {
    const caller = requireRole(ctx, ROLES.read);
    return listEventNames(ctx.db, caller.workspaceId, pageRequest(args));
  }

  @FieldResolver(() => [EventPropertyType], { description: `Its top-level property names, most frequent first (at most 1,000).` })
  properties(@Root() event: EventNameType, @Ctx() ctx: RequestContext): Promise<EventPropertyType[]> {
    const caller = requireRole(ctx, ROLES.read);
    return eventProperties(ctx, caller.workspaceId).load(event.name);
  }
}
