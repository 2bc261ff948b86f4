import DataLoader from 'dataloader';
import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { memoized, ROLES, requireRole, type RequestContext } from '../context.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { ExportDestinationEnum } from '../exports/exports.type.js';
import { deleteSegment, referencingSegments, unarchiveSegment } from './segment-removal.service.js';
import { SegmentType } from './segments.type.js';

@ObjectType({ description: 'A deleted segment: its slug is free again.' })
export class DeletedSegment {
  @Field(() => ID, { description: 'The id it had.' })
  id!: string;
  @Field(() => String, { description: 'Its slug, now free for a new segment.' })
  slug!: string;
  @Field(() => String, { description: 'The name it had.' })
  name!: string;
  @Field(() => Int, { description: 'Its audience exports, deleted with it (their download URLs answer NOT_FOUND).' })
  audienceExports!: number;
  @Field(() => [ExportDestinationEnum], { description: 'Where it was exported: those audiences stay on the platforms; delete them there.' })
  exportedTo!: ExportDestinationEnum[];
}

/** `Segment.referencedBy` of every segment of a request in one statement. */
function referencedBy(ctx: RequestContext, workspaceId: string): DataLoader<string, SegmentRow[]> {
  return memoized(ctx, 'segments.referencedBy', () =>
    new DataLoader<string, SegmentRow[]>(async (slugs) => {
      const found = await referencingSegments(ctx.db, workspaceId, slugs);
      return slugs.map((slug) => found.get(slug) ?? []);
    }),
  );
}

@Resolver(() => SegmentType)
export class SegmentRemovalResolver {
  @FieldResolver(() => [SegmentType], {
    description:
      'Segments (not archived) whose latest or published rule references this one: archiving this makes those references false; deleting it is refused while there are any.',
  })
  async referencedBy(@Root() segment: SegmentRow, @Ctx() ctx: RequestContext): Promise<SegmentRow[]> {
    const caller = requireRole(ctx, ROLES.read);
    return referencedBy(ctx, caller.workspaceId).load(segment.slug);
  }

  @Mutation(() => SegmentType, {
    description: 'Brings an archived segment back as a draft, with its versions and slug; nothing of it is live until it is published again. CONFLICT when it is not archived.',
  })
  async unarchiveSegment(@Arg('id', () => ID, { description: 'An archived segment (Segment.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<SegmentRow> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return unarchiveSegment(ctx.db, caller.workspaceId, id, ctx.now);
  }

  @Mutation(() => DeletedSegment, {
    description:
      'Deletes an archived segment for good, with its versions, members, splits and exports, and frees its slug. CONFLICT when it is not archived, when a segment that is not archived references it (extensions.referencedBy), or while an export of it is being built.',
  })
  async deleteSegment(@Arg('id', () => ID, { description: 'An archived segment (Segment.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<DeletedSegment> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return (await deleteSegment(ctx.db, caller.workspaceId, id)) as DeletedSegment;
  }
}
