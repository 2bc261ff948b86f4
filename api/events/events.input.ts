import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';

@InputType({ description: 'One event. Give externalId (an unknown one creates the profile) or profileId.' })
export class TrackEventInput {
  @Field(() => String, { description: 'Your unique id of this event, 1 to 200 characters: sending it again is harmless (counted as a duplicate).' })
  eventId!: string;
  @Field(() => String, { nullable: true, description: 'The person, by the id in your systems (1 to 256 characters); give this or profileId.' })
  externalId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The person, by Profile.id (NOT_FOUND when unknown); give this or externalId.' })
  profileId?: string | null;
  @Field(() => String, { description: "What happened, at most 100 characters: letters, digits and _ . : - starting with a letter, e.g. 'purchase' (property revenue: number), 'demo_request'." })
  name!: string;
  @Field(() => JSONScalar, { nullable: true, description: 'A JSON object, at most 16,384 bytes; a purchase needs revenue (a number).' })
  properties?: Record<string, unknown> | null;
  @Field(() => String, { description: "ISO 8601 date-time, e.g. '2026-01-31T09:30:00Z'; at most a day in the future." })
  timestamp!: string;
}

@ObjectType({ description: 'What trackEvents did with each event, counted.' })
export class TrackEventsResult {
  @Field(() => Int, { description: 'Events written now.' })
  accepted!: number;
  @Field(() => Int, { description: 'Events whose eventId was already known (replays), not written again.' })
  duplicates!: number;
  @Field(() => Int, { description: 'Events refused because their externalId was erased (deleteProfile): nothing is written for them and the profile is not created again; upsertProfile creates it.' })
  erased!: number;
  @Field(() => [String], { description: 'The eventIds of the erased events.' })
  erasedEventIds!: string[];
}
