import { Field, ID, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';
import { SegmentTypeEnum } from './segments.type.js';

@InputType()
export class CreateSegmentInput {
  @Field(() => String, { description: 'Unique in the workspace: lower case letters, digits and dashes.' })
  slug!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => ID, { nullable: true })
  categoryId?: string | null;
  @Field(() => SegmentTypeEnum, { defaultValue: SegmentTypeEnum.DYNAMIC })
  type!: SegmentTypeEnum;
  @Field(() => JSONScalar, { nullable: true, description: 'The rule tree (required for dynamic segments).' })
  rule?: unknown;
}

@InputType()
export class UpdateSegmentInput {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'The currentVersion you edited; a stale one is a CONFLICT, not a lost update.' })
  expectedVersion!: number;
  @Field(() => String, { nullable: true })
  name?: string | null;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => ID, { nullable: true })
  categoryId?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'A new rule creates a new draft version.' })
  rule?: unknown;
}
