import { Arg, Args, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, ConnectionOf, pageRequest, type Connection } from '../graphql/connection.js';
import type { CategoryRow, SegmentRow } from '../../drizzle/index.js';
import { createCategory, getCategory, listCategories } from './categories.service.js';
import { listSegments } from './segments.queries.js';
import { SegmentConnection } from './segments.type.js';

@ObjectType('Category', { description: 'A named group of segments.' })
export class CategoryType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description!: string | null;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const CategoryConnection = ConnectionOf('Category', CategoryType);

@Resolver(() => CategoryType)
export class CategoryResolver {
  @Query(() => CategoryType, { description: 'One category by id.' })
  async category(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<CategoryRow> {
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
    @Arg('name', () => String) name: string,
    @Arg('description', () => String, { nullable: true }) description: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CategoryRow> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return createCategory(ctx.db, caller.workspaceId, name, description ?? null);
  }

  @FieldResolver(() => SegmentConnection, { description: 'The segments of this category.' })
  async segments(@Root() category: CategoryRow, @Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<SegmentRow>> {
    const caller = requireRole(ctx, ROLES.read);
    return listSegments(ctx.db, caller.workspaceId, pageRequest(args), { categoryId: category.id });
  }
}
