import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ROLES, requireRole, type RequestContext } from '../context.js';
import type { AudienceExportRow } from '../../drizzle/index.js';
import { createAudienceExport, downloadPath, exportProgress, getAudienceExport, skipCounts } from './exports.service.js';
import { AudienceExportType, ExportDestinationEnum, ExportFormatEnum, ExportModeEnum, ExportStatusEnum } from './exports.type.js';

function toType(row: AudienceExportRow): AudienceExportType {
  return {
    ...row,
    destination: row.destination as ExportDestinationEnum,
    format: row.format as ExportFormatEnum,
    mode: row.mode as ExportModeEnum,
    status: row.status as ExportStatusEnum,
    progress: exportProgress(row),
    skipped: skipCounts(row),
    skippedRows: row.skippedInvalid['no-identifier'] ?? 0,
    downloadUrl: downloadPath(row.id),
  };
}

@Resolver()
export class AudienceExportResolver {
  @Query(() => AudienceExportType, { description: 'One audience export: its status and progress while it is built, then its download URL.' })
  async audienceExport(@Arg('id', () => ID, { description: 'The export id (AudienceExport.id).' }) id: string, @Ctx() ctx: RequestContext): Promise<AudienceExportType> {
    const caller = requireRole(ctx, ROLES.read);
    return toType(await getAudienceExport(ctx.db, caller.workspaceId, id));
  }

  @Mutation(() => AudienceExportType, {
    description:
      'Starts an export of a segment for an ad platform and returns at once (status QUEUED); poll audienceExport for progress. ' +
      'While one of the same segment to the same destination is in progress, that one is returned.',
  })
  async createAudienceExport(
    @Arg('segmentId', () => ID, { description: 'A segment of this workspace that is not archived (Segment.id); CONFLICT when it is.' }) segmentId: string,
    @Arg('destination', () => ExportDestinationEnum, { description: 'The platform the file is for.' }) destination: ExportDestinationEnum,
    @Arg('format', () => ExportFormatEnum, { description: 'CSV or JSON Lines.' }) format: ExportFormatEnum,
    @Arg('mode', () => ExportModeEnum, { description: 'Every member, or the changes since the previous DONE export to this destination.' }) mode: ExportModeEnum,
    @Ctx() ctx: RequestContext,
  ): Promise<AudienceExportType> {
    const caller = requireRole(ctx, ROLES.writeSegments);
    return toType(await createAudienceExport(ctx.db, ctx.jobs, caller.workspaceId, { segmentId, destination, format, mode }));
  }
}
