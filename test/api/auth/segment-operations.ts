/**
 * The segment and category operations of the shared authorization suite, with the fixture step
 * that creates what they refer to in both workspaces.
 */
import { createCategory } from '../../../api/segments/categories.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import type { ApiRole } from '../../../drizzle/index.js';
import type { AuthFixtures, AuthorizedOperation, OperationCall } from './operations.js';

const READ: readonly ApiRole[] = ['admin', 'editor', 'viewer'];
const WRITE: readonly ApiRole[] = ['admin', 'editor'];
const gql = (query: string, variables?: Record<string, unknown>): OperationCall => ({ kind: 'graphql', query, variables });
const RULE = { attr: 'purchases.count', op: 'gte', value: 1 };
/** Makes names unique: calls are repeated (once per role, once per field). */
let made = 0;

export async function segmentFixtures(f: AuthFixtures): Promise<void> {
  for (const [side, workspaceId] of [['own', f.own.workspaceId], ['other', f.other.workspaceId]] as const) {
    const service = new SegmentService(f.db, workspaceId);
    f.ids[`${side}CategoryId`] = (await createCategory(f.db, workspaceId, 'Auth', null)).id;
    // Everyone, published: its members are the workspace's profiles (the field-level suite reads them).
    f.ids[`${side}SegmentId`] = (await service.create({ slug: 'buyers', name: 'Buyers', type: 'dynamic', rule: { all: [] }, categoryId: f.ids[`${side}CategoryId`] })).id;
    await service.publish(f.ids[`${side}SegmentId`]!);
    f.ids[`${side}ListId`] = (await service.create({ slug: 'list', name: 'List', type: 'static' })).id;
    f.ids[`${side}ArchiveId`] = (await service.create({ slug: 'archive-me', name: 'Archive me', type: 'static' })).id;
    // Archived already: unarchiveSegment and deleteSegment take them out (each role's call after the first finds them gone or not archived).
    for (const name of ['Unarchive', 'Delete']) {
      const archived = await service.create({ slug: `${name.toLowerCase()}-me`, name, type: 'static' });
      await service.archive(archived.id);
      f.ids[`${side}${name}Id`] = archived.id;
    }
    f.ids[`${side}DoomedCategoryId`] = (await createCategory(f.db, workspaceId, 'Doomed', null)).id;
  }
}

const byId = (query: string, key: string) => ({
  call: (f: AuthFixtures) => gql(query, { id: f.ids[`own${key}`] }),
  foreign: (f: AuthFixtures) => gql(query, { id: f.ids[`other${key}`] }),
});

export const segmentOperations: AuthorizedOperation[] = [
  { name: 'segment', roles: READ, ...byId('query($id: ID!) { segment(id: $id) { id size } }', 'SegmentId') },
  { name: 'Segment.versionDiff', roles: READ, ...byId('query($id: ID!) { segment(id: $id) { versionDiff(version: 1) { added removed kept } } }', 'SegmentId') },
  { name: 'Segment.edgeReach', roles: READ, ...byId('query($id: ID!) { segment(id: $id) { edgeReach { lastDay last7Days last30Days } } }', 'SegmentId') },
  { name: 'segments', roles: READ, call: () => gql('{ segments(first: 5) { edges { node { id size } } } }') },
  { name: 'validateRule', roles: READ, call: () => gql('query($r: JSON!) { validateRule(rule: $r) { valid } }', { r: RULE }) },
  { name: 'previewSegment', roles: READ, call: () => gql('query($r: JSON!) { previewSegment(rule: $r) { size } }', { r: RULE }) },
  { name: 'category', roles: READ, ...byId('query($id: ID!) { category(id: $id) { id } }', 'CategoryId') },
  { name: 'categories', roles: READ, call: () => gql('{ categories { edges { node { id } } } }') },
  { name: 'createCategory', roles: WRITE, call: () => gql(`mutation { createCategory(name: "auth-made-${++made}") { id } }`) },
  {
    name: 'createSegment',
    roles: WRITE,
    call: () => gql(`mutation($r: JSON!) { createSegment(input: { slug: "auth-made-${++made}", name: "x", rule: $r }) { id } }`, { r: RULE }),
  },
  {
    name: 'updateSegment',
    roles: WRITE,
    answers: false, // every edit is a new version: a repeated expectedVersion is a CONFLICT
    call: (f) => gql('mutation($id: ID!) { updateSegment(input: { id: $id, expectedVersion: 1, name: "Renamed" }) { id } }', { id: f.ids.ownSegmentId }),
    foreign: (f) => gql('mutation($id: ID!) { updateSegment(input: { id: $id, expectedVersion: 1, name: "Renamed" }) { id } }', { id: f.ids.otherSegmentId }),
  },
  { name: 'publishSegment', roles: WRITE, ...byId('mutation($id: ID!) { publishSegment(id: $id) { id } }', 'SegmentId') },
  { name: 'archiveSegment', roles: WRITE, ...byId('mutation($id: ID!) { archiveSegment(id: $id) { id } }', 'ArchiveId') },
  {
    name: 'addToStaticSegment',
    roles: WRITE,
    call: (f) => gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: f.ids.ownListId, p: [f.ids.ownProfileId] }),
    foreign: (f) => gql('mutation($s: ID!, $p: [ID!]!) { addToStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: f.ids.otherListId, p: [f.ids.ownProfileId] }),
  },
  {
    name: 'removeFromStaticSegment',
    roles: WRITE,
    call: (f) => gql('mutation($s: ID!, $p: [ID!]!) { removeFromStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: f.ids.ownListId, p: [f.ids.ownProfileId] }),
    foreign: (f) => gql('mutation($s: ID!, $p: [ID!]!) { removeFromStaticSegment(segmentId: $s, profileIds: $p) { id } }', { s: f.ids.otherListId, p: [f.ids.ownProfileId] }),
  },
  ...(['addToStaticSegmentByKeys', 'removeFromStaticSegmentByKeys'] as const).map((op) => ({
    name: op,
    roles: WRITE,
    call: (f: AuthFixtures) => gql(`mutation($s: ID!) { ${op}(segmentId: $s, externalIds: ["auth-own"]) { matched segment { id } } }`, { s: f.ids.ownListId }),
    foreign: (f: AuthFixtures) => gql(`mutation($s: ID!) { ${op}(segmentId: $s, externalIds: ["auth-own"]) { matched } }`, { s: f.ids.otherListId }),
  })),
  {
    name: 'saveAsStaticSegment',
    roles: WRITE,
    call: (f) => gql(`mutation($s: ID!) { saveAsStaticSegment(segmentId: $s, slug: "auth-saved-${++made}", name: "Saved") { id size } }`, { s: f.ids.ownSegmentId }),
    foreign: (f) => gql('mutation($s: ID!) { saveAsStaticSegment(segmentId: $s, slug: "auth-foreign", name: "Saved") { id } }', { s: f.ids.otherSegmentId }),
  },
  { name: 'unarchiveSegment', roles: WRITE, answers: false, ...byId('mutation($id: ID!) { unarchiveSegment(id: $id) { id status } }', 'UnarchiveId') },
  { name: 'deleteSegment', roles: WRITE, answers: false, ...byId('mutation($id: ID!) { deleteSegment(id: $id) { id slug } }', 'DeleteId') },
  { name: 'updateCategory', roles: WRITE, ...byId('mutation($id: ID!) { updateCategory(id: $id, description: "Edited") { id name } }', 'CategoryId') },
  { name: 'deleteCategory', roles: WRITE, answers: false, ...byId('mutation($id: ID!) { deleteCategory(id: $id) { uncategorisedSegments } }', 'DoomedCategoryId') },
  { name: 'lifecycleTemplates', roles: READ, call: () => gql('{ lifecycleTemplates { slug category parameters { name default } } }') },
  { name: 'createLifecycleSegments', roles: WRITE, answers: false, call: () => gql('mutation { createLifecycleSegments(publish: false) { slug } }') },
];
