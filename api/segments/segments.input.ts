import { Field, ID, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';
import { SegmentTypeEnum } from './segments.type.js';

@InputType({ description: 'A new segment; it starts as a draft (version 1).' })
export class CreateSegmentInput {
  @Field(() => String, { description: 'Unique in the workspace: 1 to 63 lower case letters, digits and dashes, starting with a letter or digit.' })
  slug!: string;
  @Field(() => String, { description: 'Display name, 1 to 200 characters (trimmed).' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What it is for, at most 2,000 characters.' })
  description?: string | null;
  @Field(() => ID, { nullable: true, description: 'A category of this workspace (Category.id); none when omitted.' })
  categoryId?: string | null;
  @Field(() => SegmentTypeEnum, { defaultValue: SegmentTypeEnum.DYNAMIC, description: 'DYNAMIC (a rule decides) or STATIC (a fixed list, no rule); cannot be changed later.' })
  type!: SegmentTypeEnum;
  @Field(() => JSONScalar, { nullable: true, description: 'The rule tree (docs/rules.md): required for a dynamic segment, refused for a static one; every problem is reported with its JSON path.' })
  rule?: unknown;
}

@InputType({ description: 'An edit of a segment; omitted fields keep their value.' })
export class UpdateSegmentInput {
  @Field(() => ID, { description: 'The segment to edit (Segment.id).' })
  id!: string;
  @Field(() => Int, { description: 'The currentVersion you edited; a stale one is a CONFLICT, not a lost update.' })
  expectedVersion!: number;
  @Field(() => String, { nullable: true, description: 'A new display name, 1 to 200 characters; omitted keeps it.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'A new description, at most 2,000 characters; null clears it, omitted keeps it.' })
  description?: string | null;
  @Field(() => ID, { nullable: true, description: 'Another category (Category.id); null takes it out of its category, omitted keeps it.' })
  categoryId?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'A new rule creates a new draft version (the published one stays live until publishSegment); omitted keeps the rule.' })
  rule?: unknown;
}
