import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';

export enum ExportDestinationEnum {
  META = 'META',
  GOOGLE = 'GOOGLE',
  GENERIC = 'GENERIC',
}
export enum ExportFormatEnum {
  CSV = 'CSV',
  JSONL = 'JSONL',
}
export enum ExportModeEnum {
  FULL = 'FULL',
  DELTA = 'DELTA',
}
export enum ExportStatusEnum {
  QUEUED = 'queued',
  RUNNING = 'running',
  DONE = 'done',
  FAILED = 'failed',
}
registerEnumType(ExportDestinationEnum, {
  name: 'ExportDestination',
  description: 'META: Custom Audiences customer file; GOOGLE: Customer Match; GENERIC: ids and hashes for any other tool.',
});
registerEnumType(ExportFormatEnum, { name: 'ExportFormat', description: 'CSV with a header row, or JSON Lines.' });
registerEnumType(ExportModeEnum, {
  name: 'ExportMode',
  description: 'FULL: every member; DELTA: members added and removed since the previous done export of the segment to the destination.',
});
registerEnumType(ExportStatusEnum, { name: 'ExportStatus' });

@ObjectType({ description: 'How many members (or values) an export left out, and why.' })
export class ExportSkipCount {
  @Field(() => String, { description: "'no-identifier' (row skipped: nothing matchable) or 'invalid:<COLUMN>' (a malformed value left empty)" })
  reason!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType('AudienceExport', { description: 'A file of a segment for an ad platform, built in the background; download it when done.' })
export class AudienceExportType {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  segmentId!: string;
  @Field(() => ExportDestinationEnum)
  destination!: ExportDestinationEnum;
  @Field(() => ExportFormatEnum)
  format!: ExportFormatEnum;
  @Field(() => ExportModeEnum)
  mode!: ExportModeEnum;
  @Field(() => ExportStatusEnum)
  status!: ExportStatusEnum;
  @Field(() => Float, { description: 'rowsDone / rowsTotal, 0..1 (1 when done)' })
  progress!: number;
  @Field(() => Int, { description: 'Members processed so far' })
  rowsDone!: number;
  @Field(() => Int, { description: 'Members to process (consenting members when the export started)' })
  rowsTotal!: number;
  @Field(() => Int, { description: 'Rows of the file (adds and removes), header excluded' })
  rowCount!: number;
  @Field(() => [ExportSkipCount])
  skipped!: ExportSkipCount[];
  @Field(() => Int, { description: "Members left out of the file for want of a usable identifier (the 'no-identifier' count)" })
  skippedRows!: number;
  @Field(() => ID, { nullable: true, description: 'The export a DELTA was computed against' })
  previousExportId!: string | null;
  @Field(() => String, { nullable: true })
  error!: string | null;
  @Field(() => String, { description: 'GET it with the same bearer key once status is DONE' })
  downloadUrl!: string;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true })
  startedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true })
  finishedAt!: Date | null;
}
