import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import type { ProfileRow } from '../../drizzle/index.js';
import { DeletedProfile, ProfileConnection, ProfileType, UpsertProfilesResult } from './profiles.type.js';
import { ProfileInput } from './profiles.input.js';
import { deleteProfile, getProfile, listProfiles } from './profiles.service.js';
import { upsertProfiles } from './upsert.service.js';

/** Shared by the write mutations' `waitForMemberships` argument. */
export const WAIT_DESCRIPTION =
  'Answer only once the segment memberships of the written profiles are up to date (evaluated in this request). ' +
  'Without it the write returns at once and memberships follow within seconds.';

@Resolver()
export class ProfileResolver {
  @Query(() => ProfileType, { description: 'One profile by id or externalId (give exactly one).' })
  async profile(
    @Arg('id', () => ID, { nullable: true, description: 'The profile id (Profile.id); or give externalId.' }) id: string | null | undefined,
    @Arg('externalId', () => String, { nullable: true, description: 'The id in your systems (Profile.externalId); or give id.' }) externalId: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ProfileRow> {
    const caller = requireRole(ctx, ROLES.read);
    return getProfile(ctx.db, caller.workspaceId, { id, externalId });
  }

  @Query(() => ProfileConnection, { description: 'All profiles, oldest first.' })
  async profiles(@Args(() => ConnectionArgs) args: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<Connection<ProfileRow>> {
    const caller = requireRole(ctx, ROLES.read);
    return listProfiles(ctx.db, caller.workspaceId, pageRequest(args));
  }

  @Mutation(() => ProfileType, { description: 'Creates or updates the profile with this externalId.' })
  async upsertProfile(
    @Arg('input', () => ProfileInput, { description: 'The profile, matched by externalId.' }) input: ProfileInput,
    @Arg('waitForMemberships', () => Boolean, { defaultValue: false, description: WAIT_DESCRIPTION }) waitForMemberships: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<ProfileRow> {
    const caller = requireRole(ctx, ROLES.writeProfiles);
    const result = await upsertProfiles(ctx.db, caller.workspaceId, [input], ctx.now, 'input', { waitForMemberships });
    return result.profiles[0]!;
  }

  @Mutation(() => UpsertProfilesResult, { description: 'Creates or updates up to 1,000 profiles in one transaction; each externalId once.' })
  async upsertProfiles(
    @Arg('inputs', () => [ProfileInput], { description: 'Up to 1,000 profiles, each externalId once; every problem is reported with its path (inputs[3].email) and nothing is written.' }) inputs: ProfileInput[],
    @Arg('waitForMemberships', () => Boolean, { defaultValue: false, description: WAIT_DESCRIPTION }) waitForMemberships: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<UpsertProfilesResult> {
    const caller = requireRole(ctx, ROLES.writeProfiles);
    return upsertProfiles(ctx.db, caller.workspaceId, inputs, ctx.now, 'inputs', { waitForMemberships }) as Promise<UpsertProfilesResult>;
  }

  @Mutation(() => DeletedProfile, { description: 'Erases a profile with its events and memberships; a tombstone keeps only a hash of its externalId (admin, editor).' })
  async deleteProfile(
    @Arg('id', () => ID, { nullable: true, description: 'The profile to erase (Profile.id); or give externalId.' }) id: string | null | undefined,
    @Arg('externalId', () => String, { nullable: true, description: 'The externalId of the profile to erase; or give id.' }) externalId: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<DeletedProfile> {
    const caller = requireRole(ctx, ROLES.personalData);
    return deleteProfile(ctx.db, caller.workspaceId, { id, externalId }, ctx.now);
  }
}
