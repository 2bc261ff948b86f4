/**
 * Static lists by externalId or e-mail, and snapshots of dynamic segments (api/segments/static-lists.ts).
 */
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, registerEnumType, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { SegmentType } from './segments.type.js';
import { changeListByKeys, MAX_LISTED_MISSES, MAX_LIST_KEYS, saveAsStaticSegment, type ListChange, type ListKeys } from './static-lists.js';

enum ListKeyKindEnum {
  EXTERNAL_ID = 'externalId',
  EMAIL = 'email',
}
enum ListMissReasonEnum {
  NOT_FOUND = 'NOT_FOUND',
  INVALID = 'INVALID',
}
registerEnumType(ListKeyKindEnum, {
  name: 'ListKeyKind',
  description: 'How a key names a profile: its externalId, or its e-mail address.',
  valuesConfig: { EXTERNAL_ID: { description: "The profile's externalId (exact)." }, EMAIL: { description: 'An e-mail address of the profile (trimmed, any case).' } },
});
registerEnumType(ListMissReasonEnum, {
  name: 'ListMissReason',
  description: 'Why a key changed nothing.',
  valuesConfig: { NOT_FOUND: { description: 'No profile of the workspace has it.' }, INVALID: { description: 'Not a usable key: empty, over 256 characters, or (for an e-mail) not an address.' } },
});

@ObjectType('ListKeyMiss', { description: 'A key that matched no profile, or could not be used.' })
class ListKeyMissType {
  @Field(() => ListKeyKindEnum, { description: 'Which list the key was in.' })
  kind!: ListKeyKindEnum;
  @Field(() => Int, { description: 'Its position in that list (0-based); for a CSV upload, its line number.' })
  index!: number;
  @Field(() => String, { description: 'The key as given (cut to 256 characters).' })
  value!: string;
  @Field(() => ListMissReasonEnum, { description: 'Why it changed nothing.' })
  reason!: ListMissReasonEnum;
}

@ObjectType('StaticListChange', { description: 'What a change of a static list by keys did, key by key.' })
class StaticListChangeType {
  @Field(() => SegmentType, { description: 'The list after the change.' })
  segment!: SegmentRow;
  @Field(() => Int, { description: 'Distinct profiles the keys matched.' })
  matched!: number;
  @Field(() => Int, { description: 'Members added (or removed): matched profiles that were not members (or were) before.' })
  changed!: number;
  @Field(() => Int, { description: 'Keys that matched no profile.' })
  notFound!: number;
  @Field(() => Int, { description: 'Keys that could not be used (see ListMissReason.INVALID).' })
  invalid!: number;
  @Field(() => [ListKeyMissType], { description: `The keys that changed nothing, in the order given (the first ${MAX_LISTED_MISSES}; notFound and invalid count them all).` })
  misses!: ListChange['misses'];
}

const KEYS_HELP = `Up to ${MAX_LIST_KEYS.toLocaleString('en')} keys a call (externalIds and emails together); e-mails match trimmed and in lower case, and one shared by several profiles names them all.`;

@Resolver()
export class StaticListResolver {
  @Mutation(() => StaticListChangeType, { description: `Adds profiles named by externalId or e-mail to a static segment; keys that match nothing are reported, the others are added. ${KEYS_HELP}` })
  addToStaticSegmentByKeys(
    @Arg('segmentId', () => ID, { description: 'The static segment.' }) segmentId: string,
    @Arg('externalIds', () => [String], { nullable: true, description: 'Profiles by externalId.' }) externalIds: string[] | null,
    @Arg('emails', () => [String], { nullable: true, description: 'Profiles by e-mail address.' }) emails: string[] | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ListChange> {
    return this.change(ctx, segmentId, { externalIds, emails }, 'add');
  }

  @Mutation(() => StaticListChangeType, { description: `Removes profiles named by externalId or e-mail from a static segment. ${KEYS_HELP}` })
  removeFromStaticSegmentByKeys(
    @Arg('segmentId', () => ID, { description: 'The static segment.' }) segmentId: string,
    @Arg('externalIds', () => [String], { nullable: true, description: 'Profiles by externalId.' }) externalIds: string[] | null,
    @Arg('emails', () => [String], { nullable: true, description: 'Profiles by e-mail address.' }) emails: string[] | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ListChange> {
    return this.change(ctx, segmentId, { externalIds, emails }, 'remove');
  }

  @Mutation(() => SegmentType, {
    description: "Saves the current members of a published dynamic segment as a new static segment (published): a snapshot that no longer follows the rule, e.g. 'Black Friday buyers 2026'.",
  })
  saveAsStaticSegment(
    @Arg('segmentId', () => ID, { description: 'The published dynamic segment to snapshot.' }) segmentId: string,
    @Arg('slug', () => String, { description: 'The new list\'s slug (unique in the workspace).' }) slug: string,
    @Arg('name', () => String, { description: 'The new list\'s name.' }) name: string,
    @Arg('description', () => String, { nullable: true, description: 'What the list is for.' }) description: string | null,
    @Arg('categoryId', () => ID, { nullable: true, description: 'A category for the list.' }) categoryId: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return saveAsStaticSegment(ctx.db, caller.workspaceId, segmentId, { slug, name, description, categoryId }, ctx.now);
  }

  private change(ctx: RequestContext, segmentId: string, keys: ListKeys, action: 'add' | 'remove'): Promise<ListChange> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return changeListByKeys(ctx.db, caller.workspaceId, segmentId, keys, action, ctx.now);
  }
}
