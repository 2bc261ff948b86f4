/**
 * The audience export operations of the shared authorization suite, with the fixture step that
 * makes a segment and a done export in both workspaces.
 */
import { startTestJobs } from '../harness.js';
import { createAudienceExport } from '../../../api/exports/exports.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import type { ApiRole } from '../../../drizzle/index.js';
import type { AuthFixtures, AuthorizedOperation, OperationCall } from './operations.js';

const READ: readonly ApiRole[] = ['admin', 'editor', 'viewer'];
const WRITE: readonly ApiRole[] = ['admin', 'editor'];
const gql = (query: string, variables?: Record<string, unknown>): OperationCall => ({ kind: 'graphql', query, variables });
const CREATE = 'mutation($s: ID!) { createAudienceExport(segmentId: $s, destination: GENERIC, format: CSV, mode: FULL) { id status } }';

export async function exportFixtures(f: AuthFixtures): Promise<void> {
  const jobs = await startTestJobs(f.db);
  for (const [side, workspaceId] of [['own', f.own.workspaceId], ['other', f.other.workspaceId]] as const) {
    const segment = await new SegmentService(f.db, workspaceId).create({ slug: 'export-me', name: 'Export me', type: 'static' });
    f.ids[`${side}ExportSegmentId`] = segment.id;
    f.ids[`${side}ExportId`] = (await createAudienceExport(f.db, jobs, workspaceId, { segmentId: segment.id, destination: 'META', format: 'CSV', mode: 'FULL' })).id;
  }
  await jobs.settle();
  await jobs.stop();
}

export const exportOperations: AuthorizedOperation[] = [
  {
    name: 'createAudienceExport',
    roles: WRITE,
    call: (f) => gql(CREATE, { s: f.ids.ownExportSegmentId }),
    foreign: (f) => gql(CREATE, { s: f.ids.otherExportSegmentId }),
  },
  {
    name: 'audienceExport',
    roles: READ,
    call: (f) => gql('query($id: ID!) { audienceExport(id: $id) { id status progress } }', { id: f.ids.ownExportId }),
    foreign: (f) => gql('query($id: ID!) { audienceExport(id: $id) { id } }', { id: f.ids.otherExportId }),
  },
  {
    name: 'GET /v1/exports/:id',
    roles: WRITE,
    call: (f) => ({ kind: 'rest', method: 'GET', path: `/v1/exports/${f.ids.ownExportId}` }),
    foreign: (f) => ({ kind: 'rest', method: 'GET', path: `/v1/exports/${f.ids.otherExportId}` }),
  },
];
