/** `issueIdentifyToken`: a short-lived token the edge's `POST /v1/identify` accepts for a profile. */
import { Arg, Ctx, Field, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { isProduction } from '../environment.js';
import { IDENTIFY_TTL, issueIdentifyToken, type IssuedToken } from './identify.service.js';

@ObjectType({ description: 'A signed identify token for the edge (POST /v1/identify { token }).' })
export class IdentifyToken {
  @Field(() => String, { description: 'The token to POST to the edge: base64url(JSON { externalId, exp }).base64url(HMAC-SHA256(IDENTIFY_SECRET)). Treat it as a secret until it expires.' })
  token!: string;
  @Field(() => GraphQLDateTime, { description: 'When the edge stops accepting it (the token’s exp).' })
  expiresAt!: Date;
}

@Resolver()
export class IdentifyResolver {
  @Mutation(() => IdentifyToken, {
    description: `Issues an identify token for a profile of this workspace (by externalId), valid ttlSeconds (${IDENTIFY_TTL.min} to ${IDENTIFY_TTL.max}). A token makes the edge tag its bearer with that person's segments, so only admin and editor keys may issue one. Needs IDENTIFY_SECRET in the API's environment (BAD_USER_INPUT naming it otherwise).`,
  })
  issueIdentifyToken(
    @Arg('externalId', () => String, { description: 'The externalId of a profile of this workspace (NOT_FOUND when there is none).' }) externalId: string,
    @Arg('ttlSeconds', () => Int, { nullable: true, defaultValue: IDENTIFY_TTL.default, description: `How long the token is valid, in seconds: ${IDENTIFY_TTL.min} to ${IDENTIFY_TTL.max}.` }) ttlSeconds: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<IssuedToken> {
    const caller = requireRole(ctx, ROLES.personalData);
    const input = { externalId, ttlSeconds: ttlSeconds ?? IDENTIFY_TTL.default };
    return issueIdentifyToken(ctx.db, caller.workspaceId, input, ctx.now, process.env.IDENTIFY_SECRET, isProduction());
  }
}
