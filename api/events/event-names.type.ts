import { Field, Float, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionOf } from '../graphql/connection.js';

@ObjectType('EventProperty', { description: 'A top-level property name seen on an event.' })
export class EventPropertyType {
  @Field(() => String, { description: "The property's name, as rules name it in an event's `where` (e.g. 'revenue')." })
  name!: string;
  @Field(() => Float, { description: 'Stored events of this name that have the property.' })
  count!: number;
  @Field(() => GraphQLDateTime, { description: 'The latest occurredAt of such an event.' })
  lastSeenAt!: Date;
}

@ObjectType('EventName', { description: 'An event name the workspace has tracked (trackEvents, imports, page views of the edge).' })
export class EventNameType {
  @Field(() => String, { description: "The event's name, as rules count it (e.g. 'purchase', 'page_view')." })
  name!: string;
  @Field(() => Float, { description: 'Stored events of this name (erased people\'s events excluded).' })
  count!: number;
  @Field(() => GraphQLDateTime, { description: 'The latest occurredAt of an event of this name.' })
  lastSeenAt!: Date;
  @Field(() => GraphQLDateTime, { description: 'When the name was first tracked (the order of the listing).' })
  firstTrackedAt!: Date;
}

export const EventNameConnection = ConnectionOf('EventName', EventNameType);
