import { Arg, Args, Ctx, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from '../graphql/graphql-js.js';
import { JSONScalar } from '../graphql/json-scalar.js';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import { BadInputError, RuleInvalidError } from '../errors.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import { selectedNodeFields } from '../graphql/selection.js';
import type { SegmentRow } from '../../drizzle/index.js';
import { SegmentService } from './segments.service.js';
import { CreateSegmentInput, UpdateSegmentInput } from './segments.input.js';
import { listSegments } from './segments.queries.js';
import { RuleScopeEnum, RuleValidation, SegmentConnection, SegmentPreview, SegmentStatusEnum, SegmentType } from './segments.type.js';

const service = (ctx: RequestContext, roles: Parameters<typeof requireRole>[1]) => new SegmentService(ctx.db, requireRole(ctx, roles).workspaceId, () => ctx.now, ctx.previews);

@Resolver()
export class SegmentResolver {
  @Query(() => SegmentType, { description: 'One segment by id or slug (give exactly one).' })
  async segment(
    @Arg('id', () => ID, { nullable: true, description: 'The segment id (Segment.id); or give slug.' }) id: string | null | undefined,
    @Arg('slug', () => String, { nullable: true, description: 'The segment slug; or give id.' }) slug: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow> {
    const segments = service(ctx, ROLES.read);
    if ((id == null) === (slug == null)) throw new BadInputError('Give exactly one of id and slug', { problems: [{ path: 'id', message: 'give id or slug' }] });
    return id != null ? segments.get(id) : segments.getBySlug(slug!);
  }

  @Query(() => SegmentConnection, { description: 'Segments, oldest first, optionally of one status or category.' })
  async segments(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('status', () => SegmentStatusEnum, { nullable: true, description: 'Only segments in this status; all when omitted.' }) status: SegmentStatusEnum | null | undefined,
    @Arg('categoryId', () => ID, { nullable: true, description: 'Only segments of this category (Category.id); all when omitted.' }) categoryId: string | null | undefined,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<SegmentRow>> {
    const caller = requireRole(ctx, ROLES.read);
    const filter = { status: status ?? null, categoryId: categoryId ?? null };
    return listSegments(ctx.db, caller.workspaceId, pageRequest(args), filter, selectedNodeFields(info));
  }

  @Query(() => RuleValidation, { description: 'Validates a rule in this workspace: every problem with its JSON path, its scope and references.' })
  async validateRule(@Arg('rule', () => JSONScalar, { description: 'A rule tree as createSegment takes it (docs/rules.md); anything JSON is accepted here and judged.' }) rule: unknown, @Ctx() ctx: RequestContext): Promise<RuleValidation> {
    const result = await service(ctx, [...ROLES.read]).validateWithWarnings(rule);
    if (!result.ok) return { valid: false, scope: null, references: [], errors: [...result.errors], warnings: [...result.warnings] };
    return { valid: true, scope: result.scope as RuleScopeEnum, references: [...result.references], errors: [], warnings: [...result.warnings] };
  }

  @Query(() => SegmentPreview, { description: 'How many profiles an unsaved rule matches now, and for an EDGE rule how many recent visitors it would have tagged.' })
  async previewSegment(@Arg('rule', () => JSONScalar, { description: 'A rule tree; an invalid one is BAD_USER_INPUT with every problem and its JSON path in extensions.problems.' }) rule: unknown, @Ctx() ctx: RequestContext): Promise<SegmentPreview> {
    const segments = service(ctx, ROLES.read);
    const result = await segments.validateWithWarnings(rule);
    if (!result.ok) throw new RuleInvalidError(result.errors);
    const [size, totalProfiles, edgeReach] = await Promise.all([
      segments.countMatching(result.rule, ctx.now.getTime()),
      segments.totalProfiles(),
      result.scope === 'edge' ? segments.previewEdge(result.rule, ctx.now) : null,
    ]);
    return { size, totalProfiles, scope: result.scope as RuleScopeEnum, warnings: result.warnings, edgeReach };
  }

  @Mutation(() => SegmentType, { description: 'Creates a segment as a draft (version 1).' })
  async createSegment(@Arg('input', () => CreateSegmentInput, { description: 'The new segment.' }) input: CreateSegmentInput, @Ctx() ctx: RequestContext): Promise<SegmentRow> {
    return service(ctx, ROLES.writeSegments).create(input);
  }

  @Mutation(() => SegmentType, { description: 'Edits a segment: every edit is a new version (a new rule a new draft; a name, description or category alone keeps the rule and its published state). expectedVersion guards every edit against lost updates: of concurrent edits of one version exactly one wins, the others get CONFLICT.' })
  async updateSegment(@Arg('input', () => UpdateSegmentInput, { description: 'The edit, with the version it was made on.' }) input: UpdateSegmentInput, @Ctx() ctx: RequestContext): Promise<SegmentRow> {
    return service(ctx, ROLES.writeSegments).update(input);
  }

  @Mutation(() => SegmentType, { description: 'Publishes a version (the latest by default): members are computed and the edge ruleset updated at once.' })
  async publishSegment(
    @Arg('id', () => ID, { description: 'The segment to publish (Segment.id).' }) id: string,
    @Arg('version', () => Int, { nullable: true, description: 'The version to publish (SegmentVersion.version); the latest when omitted; an older one goes live again.' }) version: number | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow> {
    return service(ctx, ROLES.writeSegments).publish(id, version);
  }

  @Mutation(() => SegmentType, { description: 'Archives a segment: no members, references to it become false, gone from the edge.' })
  async archiveSegment(@Arg('id', () => ID, { description: 'The segment to archive (Segment.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<SegmentRow> {
    return service(ctx, ROLES.writeSegments).archive(id);
  }

  @Mutation(() => SegmentType, { description: 'Adds profiles (up to 1,000) to a static segment.' })
  async addToStaticSegment(
    @Arg('segmentId', () => ID, { description: 'A static segment (Segment.id); a dynamic one is BAD_USER_INPUT.' }) segmentId: string,
    @Arg('profileIds', () => [ID], { description: 'Up to 1,000 profile ids (Profile.id) of this workspace.' }) profileIds: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow> {
    const segments = service(ctx, ROLES.writeSegments);
    await segments.addToStatic(segmentId, profileIds);
    return segments.get(segmentId);
  }

  @Mutation(() => SegmentType, { description: 'Removes profiles (up to 1,000) from a static segment.' })
  async removeFromStaticSegment(
    @Arg('segmentId', () => ID, { description: 'A static segment (Segment.id); a dynamic one is BAD_USER_INPUT.' }) segmentId: string,
    @Arg('profileIds', () => [ID], { description: 'Up to 1,000 profile ids (Profile.id) of this workspace.' }) profileIds: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<SegmentRow> {
    const segments = service(ctx, ROLES.writeSegments);
    await segments.removeFromStatic(segmentId, profileIds);
    return segments.get(segmentId);
  }
}
