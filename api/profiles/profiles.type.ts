import { Authorized, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ROLES } from '../context.js';
import { GraphQLDateTime } from 'graphql-scalars';
import { JSONScalar } from '../graphql/json-scalar.js';
import { ConnectionOf } from '../graphql/connection.js';

@ObjectType({ description: 'What the person agreed to be contacted by.' })
export class ConsentType {
  @Field(() => Boolean)
  email!: boolean;
  @Field(() => Boolean)
  sms!: boolean;
  @Field(() => Boolean, { description: 'Advertising audiences (ad platform exports).' })
  ads!: boolean;
}

@ObjectType({ description: 'Purchase attributes computed from `purchase` events, as rules see them (purchases.*).' })
export class ProfileComputedType {
  @Field(() => Int)
  purchaseCount!: number;
  @Field(() => Float)
  purchaseTotal!: number;
  @Field(() => GraphQLDateTime, { nullable: true })
  firstPurchaseAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true })
  lastPurchaseAt!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Average days between purchases; needs two purchases.' })
  avgIntervalDays!: number | null;
  @Field(() => Int, { nullable: true, description: 'Whole days since the last purchase.' })
  daysSinceLastPurchase!: number | null;
  @Field(() => Float, { nullable: true, description: 'daysSinceLastPurchase / avgIntervalDays: above 1 means overdue.' })
  overdueRatio!: number | null;
}

@ObjectType({ description: 'Something a person did, as tracked (idempotent by eventId).' })
export class EventType {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { description: "The client's idempotency id." })
  eventId!: string;
  @Field(() => String)
  name!: string;
  @Field(() => JSONScalar)
  properties!: Record<string, unknown>;
  @Field(() => GraphQLDateTime, { description: 'When it happened.' })
  occurredAt!: Date;
  @Field(() => GraphQLDateTime)
  receivedAt!: Date;
}

export const EventConnection = ConnectionOf('Event', EventType);

/**
 * Ingest keys get id, externalId and the dates of the profiles they write; viewers also the
 * pseudonymous fields (ROLES.profileData); contact, address and device ids need ROLES.personalData.
 */
@ObjectType({ description: 'A person (or an anonymous edge visitor, with no externalId).' })
export class ProfileType {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { nullable: true, description: "The person's id in your systems; null for an anonymous visitor." })
  externalId!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  email!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'As given.' })
  phone!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'E.164, when the number could be read (country is the default region).' })
  phoneE164!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  firstName!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  lastName!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  city!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  region!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true })
  postalCode!: string | null;
  @Authorized(...ROLES.profileData)
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2.' })
  country!: string | null;
  @Authorized(...ROLES.personalData)
  @Field(() => String, { nullable: true, description: 'Mobile advertising id.' })
  madid!: string | null;
  @Authorized(...ROLES.profileData)
  @Field(() => JSONScalar, { description: 'Declared traits by name.' })
  traits!: Record<string, unknown>;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export const ProfileConnection = ConnectionOf('Profile', ProfileType);

@ObjectType()
export class UpsertProfilesResult {
  @Field(() => Int)
  created!: number;
  @Field(() => Int)
  updated!: number;
  @Field(() => [ProfileType], { description: 'The profiles, in the order sent.' })
  profiles!: ProfileType[];
}

@ObjectType({ description: 'An erased profile: only a tombstone remains.' })
export class DeletedProfile {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { nullable: true, description: "The tombstone: HMAC-SHA256 hex of the externalId under the server's erasure key (null for an anonymous profile)." })
  externalIdHash!: string | null;
}
