import { EdgeReachPreview } from './edge-reach.type.js';
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
registerEnumType(SegmentTypeEnum, {
  name: 'SegmentKind',
  description: 'Which kind of list a segment is (docs/segments.md, Lists): dynamic segments follow their rule; static ones are fixed lists.',
  valuesConfig: {
    DYNAMIC: { description: 'An active list: members are recomputed from the rule as data changes; people enter and leave by themselves.' },
    STATIC: { description: 'A fixed list with no rule: members are added and removed by hand (addToStaticSegment, removeFromStaticSegment).' },
  },
});
registerEnumType(SegmentStatusEnum, {
  name: 'SegmentStatus',
  description: 'Where a segment is in its life: draft, published (live) or archived.',
  valuesConfig: {
    DRAFT: { description: 'Not live: never published, or unarchived. The edge does not know it; a dynamic draft has no stored members (size is what its rule matches now).' },
    PUBLISHED: { description: 'Live: members are kept up to date and the edge tags visitors with it (when its scope allows).' },
    ARCHIVED: { description: 'Retired: no members, references to it are false, gone from the edge; it can be unarchived or deleted.' },
  },
});
registerEnumType(RuleScopeEnum, {
  name: 'RuleScope',
  description: 'EDGE: evaluable per request at the edge; PROFILE: needs stored profile data.',
  valuesConfig: {
    EDGE: { description: 'Uses only request attributes (geo, device, page, visit history): the edge evaluates it for every visitor.' },
    PROFILE: { description: 'Uses stored profile data (traits, purchases, consent ...): evaluated on the server; the edge knows it only for identified visitors.' },
  },
});

@ObjectType('RuleProblem', { description: 'One problem of a rule, with the JSON path where it is.' })
export class RuleProblemType {
  @Field(() => String, { description: "JSON path, e.g. '$.all[2].value'" })
  path!: string;
  @Field(() => String, { description: "A stable machine-readable code in snake_case, e.g. 'not_object' or 'unknown_attribute'." })
  code!: string;
  @Field(() => String, { description: 'The problem in plain language, to show to the person who wrote the rule.' })
  message!: string;
  @Field(() => String, { nullable: true, description: 'What was probably meant (a warning\'s "did you mean"), when something close is known.' })
  suggestion?: string | null;
}

@ObjectType({ description: 'The verdict on a rule: valid or not, every problem, its scope and references.' })
export class RuleValidation {
  @Field(() => Boolean, { description: 'True when the rule can be saved (errors is empty).' })
  valid!: boolean;
  @Field(() => RuleScopeEnum, { nullable: true, description: 'Where the rule can be evaluated; null when it is invalid.' })
  scope!: RuleScopeEnum | null;
  @Field(() => [String], { description: 'Slugs of the segments the rule references directly (empty when invalid).' })
  references!: string[];
  @Field(() => [RuleProblemType], { description: 'Every problem that stops the rule from being saved, each with its JSON path.' })
  errors!: RuleProblemType[];
  @Field(() => [RuleProblemType], {
    description: 'What does not stop saving but is probably wrong: an empty group, a reference to an archived or unpublished segment, names never tracked, values never reported, conditions that exclude each other (codes in docs/rules.md).',
  })
  warnings!: RuleProblemType[];
}

@ObjectType('SegmentVersion', { description: 'An immutable version of a segment definition.' })
export class SegmentVersionType {
  @Field(() => Int, { description: 'The version number: 1 for the first, then one more for every edit.' })
  version!: number;
  @Field(() => JSONScalar, { nullable: true, description: 'The rule tree (null for a static segment, a list).' })
  rule!: unknown;
  @Field(() => RuleScopeEnum, { description: 'Where this version can be evaluated (PROFILE for a static segment).' })
  scope!: RuleScopeEnum;
  @Field(() => [String], { description: 'Slugs of the segments its rule references directly.' })
  references!: string[];
  @Field(() => GraphQLDateTime, { description: 'When this version was made (by createSegment or updateSegment).' })
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When this version was last published; null if it never was.' })
  publishedAt!: Date | null;
}

@ObjectType({ description: 'The size of a segment at one moment of its history.' })
export class SizePoint {
  @Field(() => GraphQLDateTime, { description: 'When the size changed to this value.' })
  at!: Date;
  @Field(() => Int, { description: 'Members from then on.' })
  size!: number;
}

@ObjectType({ description: 'How many members can be reached on each channel.' })
export class Reachability {
  @Field(() => Int, { description: 'Members of the segment (the other counts are among these).' })
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
  @Field(() => Int, { description: 'Profiles the rule matches now.' })
  size!: number;
  @Field(() => Int, { description: 'All profiles of the workspace, to put size in proportion.' })
  totalProfiles!: number;
  @Field(() => RuleScopeEnum, { description: 'Where the rule could be evaluated once saved.' })
  scope!: RuleScopeEnum;
  @Field(() => [RuleProblemType], { description: 'The warnings of the rule (as validateRule gives them).' })
  warnings!: RuleProblemType[];
  @Field(() => EdgeReachPreview, {
    nullable: true,
    description: "For an EDGE rule: the visitors it would have tagged over the last 7 days of page views (stored profiles have no request, so `size` counts only what their stored data matches). Null for a PROFILE rule.",
  })
  edgeReach!: EdgeReachPreview | null;
}

@ObjectType('Segment', { description: 'A segment: a named group of people alike in a way that matters for marketing.' })
export class SegmentType {
  @Field(() => ID, { description: 'The segment id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'Unique in the workspace; how rules (segment references) and the edge name it. Free again once it is deleted.' })
  slug!: string;
  @Field(() => String, { description: 'Display name, 1 to 200 characters.' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What it is for, at most 2,000 characters; null when none.' })
  description!: string | null;
  @Field(() => ID, { nullable: true, description: 'The id of its category; null when it has none.' })
  categoryId!: string | null;
  @Field(() => SegmentTypeEnum, { description: 'DYNAMIC (follows its rule) or STATIC (a fixed list); fixed at creation.' })
  type!: SegmentTypeEnum;
  @Field(() => SegmentStatusEnum, { description: 'Draft, published (live) or archived.' })
  status!: SegmentStatusEnum;
  @Field(() => Int, { description: 'The latest version number (pass it as expectedVersion when updating).' })
  currentVersion!: number;
  @Field(() => Int, { nullable: true, description: 'The version that is live; null while it is not published.' })
  publishedVersion!: number | null;
  @Field(() => GraphQLDateTime, { description: 'When the segment was created.' })
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { description: 'When it was last edited, published, archived or unarchived.' })
  updatedAt!: Date;
}

export const SegmentConnection = ConnectionOf('Segment', SegmentType);
