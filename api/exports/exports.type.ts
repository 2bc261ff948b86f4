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
  valuesConfig: {
    META: { description: "A Meta Custom Audiences customer file: normalised, SHA-256-hashed identifiers in Meta's columns." },
    GOOGLE: { description: "A Google Ads Customer Match file: normalised, SHA-256-hashed identifiers in Google's columns." },
    GENERIC: { description: 'Profile id, external id, visitor ids, SHA-256 of e-mail and phone, segment slug and join date, for any other tool.' },
  },
});
registerEnumType(ExportFormatEnum, {
  name: 'ExportFormat',
  description: 'CSV with a header row, or JSON Lines.',
  valuesConfig: {
    CSV: { description: 'Comma-separated values with a header row (what the platforms upload).' },
    JSONL: { description: 'JSON Lines: one JSON object per member.' },
  },
});
registerEnumType(ExportModeEnum, {
  name: 'ExportMode',
  description: 'FULL: every member; DELTA: members added and removed since the previous done export of the segment to the destination.',
  valuesConfig: {
    FULL: { description: 'Every consenting member.' },
    DELTA: { description: 'Members added and removed since the previous DONE export of the segment to the same destination (every member when there is none).' },
  },
});
registerEnumType(ExportStatusEnum, {
  name: 'ExportStatus',
  description: 'Where an export is: QUEUED, RUNNING, then DONE or FAILED.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker to start it.' },
    RUNNING: { description: 'Being built: rowsDone and progress grow.' },
    DONE: { description: 'The file is complete: GET downloadUrl.' },
    FAILED: { description: 'It could not be built: see error; start a new one.' },
  },
});

@ObjectType({ description: 'How many members (or values) an export left out, and why.' })
export class ExportSkipCount {
  @Field(() => String, { description: "'no-identifier' (row skipped: nothing matchable) or 'invalid:<COLUMN>' (a malformed value left empty)" })
  reason!: string;
  @Field(() => Int, { description: 'How many members (no-identifier) or values (invalid:<COLUMN>).' })
  count!: number;
}

@ObjectType('AudienceExport', { description: 'A file of a segment for an ad platform, built in the background; download it when done.' })
export class AudienceExportType {
  @Field(() => ID, { description: 'The export id (a UUID).' })
  id!: string;
  @Field(() => ID, { description: 'The segment exported (Segment.id).' })
  segmentId!: string;
  @Field(() => ExportDestinationEnum, { description: 'The platform the file is made for.' })
  destination!: ExportDestinationEnum;
  @Field(() => ExportFormatEnum, { description: 'CSV or JSON Lines.' })
  format!: ExportFormatEnum;
  @Field(() => ExportModeEnum, { description: 'Every member (FULL) or the changes since the previous export (DELTA).' })
  mode!: ExportModeEnum;
  @Field(() => ExportStatusEnum, { description: 'QUEUED, RUNNING, then DONE or FAILED.' })
  status!: ExportStatusEnum;
  @Field(() => Float, { description: 'Share done, rowsDone / rowsTotal: 0..1 (1 when done).' })
  progress!: number;
  @Field(() => Int, { description: 'Members processed so far.' })
  rowsDone!: number;
  @Field(() => Int, { description: 'Members to process (consenting members when the export started).' })
  rowsTotal!: number;
  @Field(() => Int, { description: 'Rows of the file (adds and removes), header excluded.' })
  rowCount!: number;
  @Field(() => [ExportSkipCount], { description: 'What was left out, by reason (empty when nothing was).' })
  skipped!: ExportSkipCount[];
  @Field(() => Int, { description: "Members left out of the file for want of a usable identifier (the 'no-identifier' count)." })
  skippedRows!: number;
  @Field(() => ID, { nullable: true, description: 'The export a DELTA was computed against; null for FULL or a first DELTA.' })
  previousExportId!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it FAILED, in plain language; null otherwise.' })
  error!: string | null;
  @Field(() => String, { description: 'A path on this API: GET it with the same bearer key once status is DONE.' })
  downloadUrl!: string;
  @Field(() => GraphQLDateTime, { description: 'When createAudienceExport asked for it.' })
  createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When a worker started building it; null while QUEUED.' })
  startedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When it became DONE or FAILED; null before.' })
  finishedAt!: Date | null;
}
