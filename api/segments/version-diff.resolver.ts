/**
 * `Segment.versionDiff(version)`: what publishing a version would change (api/segments/version-diff.service.ts),
 * with the added and removed profiles as connections.
 */
import { Arg, Args, Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import type { ProfileRow, SegmentRow } from '../../drizzle/index.js';
import { ProfileConnection } from '../profiles/profiles.type.js';
import { SegmentType } from './segments.type.js';
import { addedProfiles, removedProfiles, versionDiff, type VersionDiff } from './version-diff.service.js';

@ObjectType('VersionDiff', {
  description:
    'What publishing a version would change now: the profiles its rule matches that are not members (added), the members it no longer matches (removed) and those it keeps, against the current members (of the published version; none if never published). Computed at `at` with the same predicate publishing uses, so the counts are exactly what a publish at that instant does.',
})
export class VersionDiffType {
  @Field(() => Int, { description: 'The version compared.' })
  version!: number;
  @Field(() => Int, { nullable: true, description: 'The published version whose members are compared against; null when the segment was never published (every match is an addition).' })
  comparedWith!: number | null;
  @Field(() => GraphQLDateTime, { description: 'The instant the rule was evaluated at (time windows such as "in the last 30 days" are relative to it).' })
  at!: Date;
  @Field(() => Int, { description: 'Profiles the version matches that are not members now: publishing it adds them.' })
  added!: number;
  @Field(() => Int, { description: 'Members the version no longer matches: publishing it removes them.' })
  removed!: number;
  @Field(() => Int, { description: 'Members the version still matches: they stay (and keep their join time).' })
  kept!: number;
}

@Resolver(() => SegmentType)
export class SegmentVersionDiffResolver {
  @FieldResolver(() => VersionDiffType, {
    description:
      'What publishing `version` would change: counts of the members it adds, removes and keeps, and each side as a connection. BAD_USER_INPUT for a static segment (a list has no rule) or a version that does not exist; CONFLICT when archived.',
  })
  versionDiff(
    @Root() segment: SegmentRow,
    @Arg('version', () => Int, { description: 'The version to compare: usually the latest (`currentVersion`), the draft about to be published.' }) version: number,
    @Ctx() ctx: RequestContext,
  ): Promise<VersionDiff> {
    const caller = requireRole(ctx, ROLES.read);
    return versionDiff(ctx.db, caller.workspaceId, segment, version, ctx.now);
  }
}

@Resolver(() => VersionDiffType)
export class VersionDiffFieldResolver {
  @FieldResolver(() => ProfileConnection, { description: 'The profiles publishing would add, oldest profile first.' })
  addedProfiles(@Root() diff: VersionDiff, @Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<ProfileRow>> {
    requireRole(ctx, ROLES.read);
    return addedProfiles(ctx.db, diff, pageRequest(args));
  }

  @FieldResolver(() => ProfileConnection, { description: 'The members publishing would remove, longest-standing first.' })
  removedProfiles(@Root() diff: VersionDiff, @Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<ProfileRow>> {
    requireRole(ctx, ROLES.read);
    return removedProfiles(ctx.db, diff, pageRequest(args));
  }
}
