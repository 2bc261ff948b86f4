/**
 * The segment analytics operations of the shared authorization suite (overlap, health, KPIs, A/B
 * splits, SVG charts). They use the segments that segment-operations.ts creates in both workspaces,
 * and a split of each that analyticsFixtures defines.
 */
import type { ApiRole } from '../../../drizzle/index.js';
import { defineSplit } from '../../../api/analytics/splits.service.js';
import type { AuthFixtures, AuthorizedOperation, OperationCall } from './operations.js';

const READ: readonly ApiRole[] = ['admin', 'editor', 'viewer'];
const WRITE: readonly ApiRole[] = ['admin', 'editor'];
const gql = (query: string, variables?: Record<string, unknown>): OperationCall => ({ kind: 'graphql', query, variables });
const get = (path: string): OperationCall => ({ kind: 'rest', method: 'GET', path });
const VARIANTS = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }];

const onSegment = (field: string) => ({
  call: (f: AuthFixtures) => gql(`query($id: ID!) { segment(id: $id) { ${field} } }`, { id: f.ids.ownSegmentId }),
  foreign: (f: AuthFixtures) => gql(`query($id: ID!) { segment(id: $id) { ${field} } }`, { id: f.ids.otherSegmentId }),
});

/** A split of each workspace's segment that no operation changes, for SegmentSplit.kpis. */
export async function analyticsFixtures(f: AuthFixtures): Promise<void> {
  for (const side of ['own', 'other'] as const) await defineSplit(f.db, f[side].workspaceId, f.ids[`${side}SegmentId`]!, 'auth-kpis', VARIANTS);
}

const SPLIT_KPIS = 'query($id: ID!) { segment(id: $id) { splits { kpis(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", control: "b") { comparisons { conversionRate { pValue } } } } } }';
const OVERLAP = 'query($ids: [ID!]!) { segmentOverlap(segmentIds: $ids) { pairs { jaccard } } }';
const DEFINE = 'mutation($s: ID!, $v: [SplitVariantInput!]!) { defineSplit(segmentId: $s, name: "auth-split", variants: $v) { id } }';
const ASSIGN = 'query($s: ID!, $p: ID!) { splitAssignment(segmentId: $s, name: "auth-split", profileId: $p) { variant } }';

export const analyticsOperations: AuthorizedOperation[] = [
  {
    name: 'segmentOverlap',
    roles: READ,
    call: (f) => gql(OVERLAP, { ids: [f.ids.ownSegmentId, f.ids.ownListId] }),
    foreign: (f) => gql(OVERLAP, { ids: [f.ids.ownSegmentId, f.ids.otherListId] }),
  },
  { name: 'Segment.health', roles: READ, ...onSegment('health { verdict }') },
  { name: 'Segment.kpis', roles: READ, ...onSegment('kpis(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { conversionRate }') },
  { name: 'Segment.splits', roles: READ, ...onSegment('splits { name }') },
  {
    name: 'SegmentSplit.kpis',
    roles: READ,
    call: (f) => gql(SPLIT_KPIS, { id: f.ids.ownSegmentId }),
    foreign: (f) => gql(SPLIT_KPIS, { id: f.ids.otherSegmentId }),
  },
  {
    name: 'defineSplit',
    roles: WRITE,
    answers: false, // a split is immutable once defined
    call: (f) => gql(DEFINE, { s: f.ids.ownSegmentId, v: VARIANTS }),
    foreign: (f) => gql(DEFINE, { s: f.ids.otherSegmentId, v: VARIANTS }),
  },
  {
    name: 'splitAssignment',
    roles: READ,
    call: (f) => gql(ASSIGN, { s: f.ids.ownSegmentId, p: f.ids.ownProfileId }),
    foreign: (f) => gql(ASSIGN, { s: f.ids.otherSegmentId, p: f.ids.ownProfileId }),
  },
  // Predictive models: reading the fits is an analytics read; fitting (which rewrites predictions) is for editors.
  { name: 'predictiveModels', roles: READ, call: () => gql('{ predictiveModels { model converged failureReason } }') },
  { name: 'fitPredictiveModels', roles: WRITE, call: () => gql('mutation { fitPredictiveModels(calibrationEnd: "2026-01-01") { queued scoredProfiles fits { model converged } } }') },
  {
    name: 'Profile.predicted',
    roles: READ,
    call: (f) => gql('query($id: ID!) { profile(id: $id) { predicted { pAlive } } }', { id: f.ids.ownProfileId }),
    foreign: (f) => gql('query($id: ID!) { profile(id: $id) { predicted { pAlive } } }', { id: f.ids.otherProfileId }),
  },
  {
    name: 'GET /v1/segments/:id/charts/size-history.svg',
    roles: READ,
    call: (f) => get(`/v1/segments/${f.ids.ownSegmentId}/charts/size-history.svg`),
    foreign: (f) => get(`/v1/segments/${f.ids.otherSegmentId}/charts/size-history.svg`),
  },
  {
    name: 'GET /v1/analytics/overlap.svg',
    roles: READ,
    call: (f) => get(`/v1/analytics/overlap.svg?segments=${f.ids.ownSegmentId},${f.ids.ownListId}`),
    foreign: (f) => get(`/v1/analytics/overlap.svg?segments=${f.ids.ownSegmentId},${f.ids.otherListId}`),
  },
];
