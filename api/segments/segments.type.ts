import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionOf } from '../graphql/connection.js';
import { GraphQLDateTime } from 'graphql-scalars';
import { JSONScalar } from '../graphql/json-scalar.js';

export enum SegmentTypeEnum {
  DYNAMIC = 'dynamic',
  STATIC = 'static',
}
export enum SegmentStatusEnum {
  DRAFT = 'draft',
  PUBLISHED = 'published',
  ARCHIVED = 'archived',
}
export enum RuleScopeEnum {
  EDGE = 'edge',
  PROFILE = 'profile',
}
registerEnumType(SegmentTypeEnum, { name: 'SegmentType', description: 'Dynamic segments follow their rule; static ones are fixed lists.' });
registerEnumType(SegmentStatusEnum, { name: 'SegmentStatus' });
registerEnumType(RuleScopeEnum, { name: 'RuleScope', description: 'EDGE: evaluable per request at the edge; PROFILE: needs stored profile data.' });

@ObjectType({ description: 'One problem of a rule, with the JSON path where it is.' })
export class RuleProblemType {
  @Field(() => String, { description: "JSON path, e.g. '$.all[2].value'" })
  path!: string;
  @Field(() => String)
  code!: string;
  @Field(() => String)
  message!: string;
  @Field(() => String, { nullable: true, description: 'What was probably meant (a warning\'s "did you mean"), when something close is known.' })
  suggestion?: string | null;
}

@ObjectType({ description: 'The verdict on a rule: valid or not, every problem, its scope and references.' })
export class RuleValidation {
  @Field(() => Boolean)
  valid!: boolean;
  @Field(() => RuleScopeEnum, { nullable: true })
  scope!: RuleScopeEnum | null;
  @Field(() => [String])
  references!: string[];
  @Field(() => [RuleProblemType])
  errors!: RuleProblemType[];
  @Field(() => [RuleProblemType], { description: 'What is valid but probably wrong: names never tracked, values never reported, conditions that exclude each other. Never blocks saving.' })
  warnings!: RuleProblemType[];
}

@ObjectType({ description: 'An immutable version of a segment definition.' })
export class SegmentVersionType {
  @Field(() => Int)
  version!: number;
  @Field(() => JSONScalar, { nullable: true, description: 'The rule tree (null for a static segment, a list).' })
  rule!: unknown;
  @Field(() => RuleScopeEnum)
  scope!: RuleScopeEnum;
  @Field(() => [String])
  references!: string[];
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true })
  publishedAt!: Date | null;
}

@ObjectType()
export class SizePoint {
  @Field(() => GraphQLDateTime)
  at!: Date;
  @Field(() => Int)
  size!: number;
}

@ObjectType({ description: 'How many members can be reached on each channel.' })
export class Reachability {
  @Field(() => Int)
  total!: number;
  @Field(() => Int, { description: 'Members with an e-mail address and e-mail consent' })
  email!: number;
  @Field(() => Int, { description: 'Members with a phone number and SMS consent' })
  phone!: number;
  @Field(() => Int, { description: 'Members with a known edge visitor id (cookie)' })
  visitor!: number;
  @Field(() => Int, { description: 'Members who consented to advertising (ad platform audiences)' })
  ads!: number;
  @Field(() => Float, { description: 'Share of members reachable on at least one channel, 0..1' })
  reachableShare!: number;
}

@ObjectType({ description: 'The size of an unsaved rule.' })
export class SegmentPreview {
  @Field(() => Int)
  size!: number;
  @Field(() => Int)
  totalProfiles!: number;
  @Field(() => RuleScopeEnum)
  scope!: RuleScopeEnum;
  @Field(() => [RuleProblemType], { description: 'The warnings of the rule (as validateRule gives them).' })
  warnings!: RuleProblemType[];
}

@ObjectType('Segment', { description: 'A segment: a named group of people alike in a way that matters for marketing.' })
export class SegmentType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  slug!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description!: string | null;
  @Field(() => ID, { nullable: true })
  categoryId!: string | null;
  @Field(() => SegmentTypeEnum)
  type!: SegmentTypeEnum;
  @Field(() => SegmentStatusEnum)
  status!: SegmentStatusEnum;
  @Field(() => Int, { description: 'The latest version number (pass it as expectedVersion when updating).' })
  currentVersion!: number;
  @Field(() => Int, { nullable: true })
  publishedVersion!: number | null;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export const SegmentConnection = ConnectionOf('Segment', SegmentType);
