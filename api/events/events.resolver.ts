import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { TrackEventInput, TrackEventsResult } from './events.input.js';
import { trackEvents } from './events.service.js';
import { WAIT_DESCRIPTION } from '../profiles/profiles.resolver.js';

@Resolver()
export class EventResolver {
  @Mutation(() => TrackEventsResult, { description: 'Records up to 1,000 events in one transaction; idempotent by eventId.' })
  async trackEvents(
    @Arg('events', () => [TrackEventInput], { description: 'Up to 1,000 events; every problem is reported with its path (events[2].timestamp) and nothing is written.' }) events: TrackEventInput[],
    @Arg('waitForMemberships', () => Boolean, { defaultValue: false, description: WAIT_DESCRIPTION }) waitForMemberships: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<TrackEventsResult> {
    const caller = requireRole(ctx, ROLES.writeProfiles);
    return trackEvents(ctx.db, caller.workspaceId, events, ctx.now, { waitForMemberships });
  }
}
