import { Field, InputType } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';

@InputType()
export class ConsentInput {
  @Field(() => Boolean, { nullable: true })
  email?: boolean | null;
  @Field(() => Boolean, { nullable: true })
  sms?: boolean | null;
  @Field(() => Boolean, { nullable: true })
  ads?: boolean | null;
}

@InputType({ description: 'A profile, matched by externalId. Omitted fields keep their value; null or "" clears one.' })
export class ProfileInput {
  @Field(() => String)
  externalId!: string;
  @Field(() => String, { nullable: true })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Any format; normalised to E.164 with country as the default region.' })
  phone?: string | null;
  @Field(() => String, { nullable: true })
  firstName?: string | null;
  @Field(() => String, { nullable: true })
  lastName?: string | null;
  @Field(() => String, { nullable: true })
  city?: string | null;
  @Field(() => String, { nullable: true })
  region?: string | null;
  @Field(() => String, { nullable: true })
  postalCode?: string | null;
  @Field(() => String, { nullable: true })
  country?: string | null;
  @Field(() => String, { nullable: true })
  madid?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'Merged into the stored traits (declared traits only); a null value removes a trait.' })
  traits?: Record<string, unknown> | null;
  @Field(() => ConsentInput, { nullable: true })
  consent?: ConsentInput | null;
  @Field(() => [String], { nullable: true, description: 'Edge visitor ids (ae_vid cookie) of this person.' })
  visitorIds?: string[] | null;
}
