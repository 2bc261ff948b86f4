import { Authorized, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ROLES } from '../context.js';
import { GraphQLDateTime } from 'graphql-scalars';
import { JSONScalar } from '../graphql/json-scalar.js';
import { ConnectionOf } from '../graphql/connection.js';

@ObjectType('Consent', { description: 'What the person agreed to be contacted by.' })
export class ConsentType {
  @Field(() => Boolean, { description: 'E-mail marketing (counts in reachability.email); false until given.' })
  email!: boolean;
  @Field(() => Boolean, { description: 'SMS marketing (counts in reachability.phone); false until given.' })
  sms!: boolean;
  @Field(() => Boolean, { description: 'Advertising audiences: only profiles with it go into ad platform exports; false until given.' })
  ads!: boolean;
}

@ObjectType('ProfileComputed', { description: 'Purchase attributes computed from `purchase` events, as rules see them (purchases.*).' })
export class ProfileComputedType {
  @Field(() => Int, { description: 'Number of `purchase` events (purchases.count in rules).' })
  purchaseCount!: number;
  @Field(() => Float, { description: 'Sum of properties.revenue of the `purchase` events (purchases.total in rules; 0 without purchases).' })
  purchaseTotal!: number;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the first purchase happened; null without purchases.' })
  firstPurchaseAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the latest purchase happened; null without purchases.' })
  lastPurchaseAt!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Average days between purchases; null with fewer than two purchases.' })
  avgIntervalDays!: number | null;
  @Field(() => Int, { nullable: true, description: 'Whole days since the last purchase, at the time of the request; null without purchases.' })
  daysSinceLastPurchase!: number | null;
  @Field(() => Float, { nullable: true, description: 'Days since the last purchase / avgIntervalDays: above 1 means overdue; null while either is null.' })
  overdueRatio!: number | null;
}

@ObjectType('Event', { description: 'Something a person did, as tracked (idempotent by eventId).' })
export class EventType {
  @Field(() => ID, { description: 'The id this API gave the event (a UUID).' })
  id!: string;
  @Field(() => String, { description: "The client's idempotency id (TrackEventInput.eventId; 'edge:'-prefixed for page views the edge reported)." })
  eventId!: string;
  @Field(() => String, { description: "What happened, e.g. 'purchase' or 'page_view'." })
  name!: string;
  @Field(() => JSONScalar, { description: 'The JSON object sent with it ({} when none), at most 16,384 bytes; purchases carry revenue (a number).' })
  properties!: Record<string, unknown>;
  @Field(() => GraphQLDateTime, { description: 'When it happened (the timestamp the client sent).' })
  occurredAt!: Date;
  @Field(() => GraphQLDateTime, { description: 'When this API stored it.' })
  receivedAt!: Date;
}

export const EventConnection = ConnectionOf('Event', EventType);

/**
 * Ingest keys get id, externalId and the dates of the profiles they write; viewers also the
 * pseudonymous fields (ROLES.profileData); contact, address and device ids need ROLES.personalData.
 */
@ObjectType('Profile', { description: 'A person (or an anonymous edge visitor, with no externalId).' })
export class ProfileType {
  @Field(() => ID, { description: 'The id this API gave the profile (a UUID).' })
  id!: string;
  @Field(() => String, { nullable: true, description: "The person's id in your systems (1 to 256 characters); null for an anonymous visitor." })
  externalId!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'E-mail address, as given (trimmed); null when unknown. Admin and editor keys only.' })
  email!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Phone number as given; null when unknown. Admin and editor keys only.' })
  phone!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'The phone number in E.164 (+84...), read with country as the default region; null when it could not be read. Admin and editor keys only.' })
  phoneE164!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Given name; null when unknown. Admin and editor keys only.' })
  firstName!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Family name; null when unknown. Admin and editor keys only.' })
  lastName!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'City of the postal address; null when unknown. Admin and editor keys only.' })
  city!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Region, state or province; null when unknown. Admin and editor keys only.' })
  region!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Postal code; null when unknown. Admin and editor keys only.' })
  postalCode!: string | null;
  @Authorized(...ROLES.profileData)
  @Field(() => String, { nullable: true, description: 'Country, ISO 3166-1 alpha-2 (e.g. VN); null when unknown. Not for ingest keys.' })
  country!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Mobile advertising id (IDFA / GAID); null when unknown. Admin and editor keys only.' })
  madid!: string | null;
  @Authorized(...ROLES.profileData)
  @Field(() => JSONScalar, { description: 'Declared traits by name, e.g. {"plan": "pro"} ({} when none). Not for ingest keys.' })
  traits!: Record<string, unknown>;
  @Field(() => GraphQLDateTime, { description: 'When the profile was first written (by upsert, an event or the edge).' })
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { description: 'When its fields last changed.' })
  updatedAt!: Date;
}

@ObjectType({
  description:
    "Where the edge last saw an identified person: the geography of the request of their latest reported page view, as Cloudflare gave it. What geo.* reads on a profile without a stored address.",
})
export class SeenGeo {
  @Field(() => String, { nullable: true, description: 'Country, ISO 3166-1 alpha-2 upper case; null when unknown.' })
  country!: string | null;
  @Field(() => String, { nullable: true, description: 'Region code; null when unknown.' })
  region!: string | null;
  @Field(() => String, { nullable: true, description: 'City; null when unknown.' })
  city!: string | null;
  @Field(() => String, { nullable: true, description: 'Postal code; null when unknown.' })
  postalCode!: string | null;
  @Field(() => String, { nullable: true, description: 'Continent code (AF, AN, AS, EU, NA, OC, SA); null when unknown.' })
  continent!: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone; null when unknown.' })
  timezone!: string | null;
  @Field(() => GraphQLDateTime, { description: 'When that page view happened.' })
  at!: Date;
}

export const ProfileConnection = ConnectionOf('Profile', ProfileType);

@ObjectType({ description: 'What upsertProfiles wrote.' })
export class UpsertProfilesResult {
  @Field(() => Int, { description: 'Profiles whose externalId was new.' })
  created!: number;
  @Field(() => Int, { description: 'Profiles that existed and were updated.' })
  updated!: number;
  @Field(() => [ProfileType], { description: 'The profiles, in the order sent.' })
  profiles!: ProfileType[];
}

@ObjectType({ description: 'An erased profile: only a tombstone remains.' })
export class DeletedProfile {
  @Field(() => ID, { description: 'The id the profile had.' })
  id!: string;
  @Field(() => String, { nullable: true, description: "The tombstone: HMAC-SHA256 hex of the externalId under the server's erasure key (null for an anonymous profile)." })
  externalIdHash!: string | null;
}
