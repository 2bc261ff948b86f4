import { Field, InputType } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';

@InputType({ description: 'Consent to set; an omitted or null channel keeps its value.' })
export class ConsentInput {
  @Field(() => Boolean, { nullable: true, description: 'E-mail marketing consent.' })
  email?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'SMS marketing consent.' })
  sms?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Consent to advertising audiences (needed to be in an audience export).' })
  ads?: boolean | null;
}

@InputType({ description: 'A profile, matched by externalId. Omitted fields keep their value; null or "" clears one.' })
export class ProfileInput {
  @Field(() => String, { description: "The person's id in your systems, 1 to 256 characters: the profile is created when it is new." })
  externalId!: string;
  @Field(() => String, { nullable: true, description: 'E-mail address (at most 512 characters); must contain an @.' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Any format; normalised to E.164 with country as the default region.' })
  phone?: string | null;
  @Field(() => String, { nullable: true, description: 'Given name (at most 512 characters).' })
  firstName?: string | null;
  @Field(() => String, { nullable: true, description: 'Family name (at most 512 characters).' })
  lastName?: string | null;
  @Field(() => String, { nullable: true, description: 'City (at most 512 characters).' })
  city?: string | null;
  @Field(() => String, { nullable: true, description: 'Region, state or province (at most 512 characters).' })
  region?: string | null;
  @Field(() => String, { nullable: true, description: 'Postal code (at most 512 characters).' })
  postalCode?: string | null;
  @Field(() => String, { nullable: true, description: "Country: a 2-letter ISO 3166-1 code such as 'VN'; also the default region of phone." })
  country?: string | null;
  @Field(() => String, { nullable: true, description: 'Mobile advertising id, IDFA or GAID (at most 512 characters).' })
  madid?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'Merged into the stored traits (declared traits only); a null value removes a trait.' })
  traits?: Record<string, unknown> | null;
  @Field(() => ConsentInput, { nullable: true, description: 'Consent per channel; omitted channels keep their value (false for a new profile).' })
  consent?: ConsentInput | null;
  @Field(() => [String], { nullable: true, description: 'Edge visitor ids (ae_vid cookie) of this person, at most 50; attached to this profile.' })
  visitorIds?: string[] | null;
}
