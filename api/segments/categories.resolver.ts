import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, ConnectionOf, pageRequest, type Connection } from '../graphql/connection.js';
import type { CategoryRow, SegmentRow } from '../../drizzle/index.js';
import { createCategory, deleteCategory, getCategory, listCategories, updateCategory } from './categories.service.js';
import { listSegments } from './segments.queries.js';
import { SegmentConnection } from './segments.type.js';

@ObjectType('Category', { description: 'A named group of segments.' })
export class CategoryType {
  @Field(() => ID, { description: 'The category id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'Its name, 1 to 100 characters, unique in the workspace.' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What it groups, at most 2,000 characters; null when none.' })
  description!: string | null;
  @Field(() => GraphQLDateTime, { description: 'When it was created.' })
  createdAt!: Date;
}

export const CategoryConnection = ConnectionOf('Category', CategoryType);

@ObjectType({ description: 'A deleted category and how many segments it left uncategorised.' })
export class DeletedCategory {
  @Field(() => CategoryType, { description: 'The category as it was.' })
  category!: CategoryType;
  @Field(() => Int, { description: 'Its segments, now without a category (they are not changed otherwise: same versions, members, edge rules and exports).' })
  uncategorisedSegments!: number;
}

@Resolver(() => CategoryType)
export class CategoryResolver {
  @Query(() => CategoryType, { description: 'One category by id.' })
  async category(@Arg('id', () => ID, { description: 'The category id (Category.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<CategoryRow> {
    const caller = requireRole(ctx, ROLES.read);
    return getCategory(ctx.db, caller.workspaceId, id);
  }

  @Query(() => CategoryConnection, { description: 'All categories, oldest first.' })
  async categories(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<CategoryRow>> {
    const caller = requireRole(ctx, ROLES.read);
    return listCategories(ctx.db, caller.workspaceId, pageRequest(args));
  }

  @Mutation(() => CategoryType, { description: 'Creates a category; names are unique in a workspace.' })
  async createCategory(
    @Arg('name', () => String, { description: 'Its name, 1 to 100 characters (trimmed); another category of that name is a CONFLICT.' }) name: string,
    @Arg('description', () => String, { nullable: true, description: 'What it groups, at most 2,000 characters.' }) description: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CategoryRow> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return createCategory(ctx.db, caller.workspaceId, name, description ?? null);
  }

  @Mutation(() => CategoryType, { description: 'Renames a category or changes its description (an omitted argument is kept, a null description cleared); names are unique in a workspace (CONFLICT).' })
  async updateCategory(
    @Arg('id', () => ID, { description: 'The category to change (Category.id).' }) id: string,
    @Arg('name', () => String, { nullable: true, description: 'A new name, 1 to 100 characters; omitted keeps it.' }) name: string | null | undefined,
    @Arg('description', () => String, { nullable: true, description: 'A new description, at most 2,000 characters; null clears it, omitted keeps it.' }) description: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CategoryRow> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return updateCategory(ctx.db, caller.workspaceId, id, { name, description });
  }

  @Mutation(() => DeletedCategory, { description: 'Deletes a category: its segments stay, without a category (nothing else refers to categories).' })
  async deleteCategory(@Arg('id', () => ID, { description: 'The category to delete (Category.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<DeletedCategory> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return deleteCategory(ctx.db, caller.workspaceId, id);
  }

  @FieldResolver(() => SegmentConnection, { description: 'The segments of this category.' })
  async segments(@Root() category: CategoryRow, @Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<SegmentRow>> {
    const caller = requireRole(ctx, ROLES.read);
    return listSegments(ctx.db, caller.workspaceId, pageRequest(args), { categoryId: category.id });
  }
}
