/**
 * Every GraphQL argument that takes a string or JSON, as an operation with valid variables named as
 * its arguments (so a problem's path is the variable's path: `input.name`, `events[0].properties.k`).
 * The input policy suite (input-policy.test.ts) injects NUL and lone surrogates into each string
 * and object key of these variables. `ids` are filled in by the suite's fixtures.
 */
export interface InputSurface {
  name: string;
  query: string;
  variables(ids: Record<string, string>): Record<string, unknown>;
}

const RULE = { all: [{ attr: 'geo.country', op: 'in', value: ['VN', 'TH'] }, { attr: 'traits.plan', op: 'eq', value: 'pro' }] };
const PROFILE = {
  externalId: 'cust-1',
  email: 'ann@example.com',
  phone: '+84912345678',
  firstName: 'Ann',
  lastName: 'Lee',
  city: 'Hanoi',
  region: 'HN',
  postalCode: '100000',
  country: 'VN',
  madid: 'madid-1',
  traits: { plan: 'pro' },
  visitorIds: ['visitor-1'],
};
const EVENT = { eventId: 'e-1', externalId: 'cust-1', name: 'purchase', properties: { revenue: 12, sku: 'a-1', tags: { colour: 'red' } }, timestamp: '2026-01-01T00:00:00Z' };

export const inputSurfaces: InputSurface[] = [
  {
    name: 'createSegment',
    query: 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }',
    variables: () => ({ input: { slug: 'vip', name: 'VIP', description: 'Our best', rule: RULE } }),
  },
  {
    name: 'updateSegment',
    query: 'mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) { id } }',
    variables: (ids) => ({ input: { id: ids.segmentId, expectedVersion: 1, name: 'Renamed', description: 'Edited', rule: RULE } }),
  },
  { name: 'validateRule', query: 'query($rule: JSON!) { validateRule(rule: $rule) { valid } }', variables: () => ({ rule: RULE }) },
  { name: 'previewSegment', query: 'query($rule: JSON!) { previewSegment(rule: $rule) { size } }', variables: () => ({ rule: RULE }) },
  { name: 'segment', query: 'query($slug: String) { segment(slug: $slug) { id } }', variables: () => ({ slug: 'existing' }) },
  { name: 'profile', query: 'query($externalId: String) { profile(externalId: $externalId) { id } }', variables: () => ({ externalId: 'cust-0' }) },
  {
    name: 'Profile.events',
    query: 'query($externalId: String, $name: String) { profile(externalId: $externalId) { events(name: $name) { edges { cursor } } } }',
    variables: () => ({ externalId: 'cust-0', name: 'purchase' }),
  },
  { name: 'profiles', query: 'query($after: String) { profiles(after: $after) { edges { cursor } } }', variables: () => ({ after: 'abc' }) },
  { name: 'upsertProfile', query: 'mutation($input: ProfileInput!) { upsertProfile(input: $input) { id } }', variables: () => ({ input: PROFILE }) },
  {
    name: 'upsertProfiles',
    query: 'mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created } }',
    variables: () => ({ inputs: [PROFILE, { ...PROFILE, externalId: 'cust-2', visitorIds: [] }] }),
  },
  { name: 'trackEvents', query: 'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted } }', variables: () => ({ events: [EVENT] }) },
  { name: 'deleteProfile', query: 'mutation($externalId: String) { deleteProfile(externalId: $externalId) { id } }', variables: () => ({ externalId: 'cust-0' }) },
  {
    name: 'defineTrait',
    query: 'mutation($name: String!, $description: String) { defineTrait(name: $name, type: STRING, description: $description) { id } }',
    variables: () => ({ name: 'tier', description: 'Loyalty tier' }),
  },
  {
    name: 'createCategory',
    query: 'mutation($name: String!, $description: String) { createCategory(name: $name, description: $description) { id } }',
    variables: () => ({ name: 'Seasonal', description: 'Campaign audiences' }),
  },
  {
    name: 'updateCategory',
    query: 'mutation($id: ID!, $name: String, $description: String) { updateCategory(id: $id, name: $name, description: $description) { id } }',
    variables: (ids) => ({ id: ids.categoryId, name: 'Renamed', description: 'Edited' }),
  },
  // The instance admin operations: the policy runs before authorization, so a workspace key is refused the same way.
  { name: 'createWorkspace', query: 'mutation($name: String!) { createWorkspace(name: $name) { adminKey } }', variables: () => ({ name: 'Acme' }) },
  {
    name: 'renameWorkspace',
    query: 'mutation($id: ID!, $name: String!) { renameWorkspace(id: $id, name: $name) { id } }',
    variables: (ids) => ({ id: ids.segmentId, name: 'Acme' }),
  },
  { name: 'createApiKey', query: 'mutation($name: String!) { createApiKey(name: $name, role: VIEWER) { key } }', variables: () => ({ name: 'pipeline' }) },
  {
    name: 'createLifecycleSegments',
    query: 'mutation($parameters: JSON) { createLifecycleSegments(parameters: $parameters, publish: false) { id } }',
    variables: () => ({ parameters: { newWithinDays: 60 } }),
  },
  {
    name: 'defineSplit',
    query: 'mutation($segmentId: ID!, $name: String!, $variants: [SplitVariantInput!]!) { defineSplit(segmentId: $segmentId, name: $name, variants: $variants) { id } }',
    variables: (ids) => ({ segmentId: ids.segmentId, name: 'hero', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }),
  },
  {
    name: 'splitAssignment',
    query: 'query($segmentId: ID!, $name: String!, $profileId: ID!) { splitAssignment(segmentId: $segmentId, name: $name, profileId: $profileId) { variant } }',
    variables: (ids) => ({ segmentId: ids.segmentId, name: 'hero', profileId: ids.profileId }),
  },
  {
    name: 'issueIdentifyToken',
    query: 'mutation($externalId: String!) { issueIdentifyToken(externalId: $externalId) { token } }',
    variables: () => ({ externalId: 'cust-0' }),
  },
  {
    name: 'createAudienceExport',
    query: 'mutation($segmentId: ID!) { createAudienceExport(segmentId: $segmentId, destination: META, format: CSV, mode: FULL) { id } }',
    variables: (ids) => ({ segmentId: ids.segmentId }),
  },
];

/** Every place a bad character can go in a value: each string (by path) and each object key. */
export type Slot = { kind: 'string' | 'key'; path: Array<string | number> };

export function slotsOf(value: unknown, path: Array<string | number> = []): Slot[] {
  if (typeof value === 'string') return [{ kind: 'string', path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => slotsOf(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(path.length > 0 ? [{ kind: 'key' as const, path: [...path, k] }] : []), ...slotsOf(v, [...path, k])]);
  }
  return [];
}

/** A copy of `value` with `bad` inserted at `at` (0..1 of the length) into the string or key of `slot`. */
export function inject(value: Record<string, unknown>, slot: Slot, bad: string, at: number): { value: Record<string, unknown>; path: string } {
  const copy = structuredClone(value);
  let parent: any = copy;
  for (const step of slot.path.slice(0, -1)) parent = parent[step];
  const last = slot.path[slot.path.length - 1]!;
  const splice = (s: string) => {
    const i = Math.floor(at * (s.length + 1));
    return s.slice(0, i) + bad + s.slice(i);
  };
  let steps = slot.path;
  if (slot.kind === 'string') {
    parent[last] = splice(parent[last] as string);
  } else {
    const key = splice(String(last));
    const entries = Object.entries(parent).map(([k, v]) => [k === last ? key : k, v] as const);
    for (const k of Object.keys(parent)) delete parent[k];
    for (const [k, v] of entries) parent[k] = v;
    steps = [...slot.path.slice(0, -1), key];
  }
  const printable = (s: string) => s.replace(/[\u0000\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
  const path = steps.reduce<string>((p, step) => (typeof step === 'number' ? `${p}[${step}]` : p ? `${p}.${printable(step)}` : printable(step)), '');
  return { value: copy, path };
}
