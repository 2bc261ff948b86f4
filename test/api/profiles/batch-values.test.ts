/**
 * The batch writes pass their rows as one JSON parameter and their id lists as one array literal
 * (api/db/json-rows.ts, textArrayLiteral): values that are awkward in either form (quotes,
 * backslashes, commas and braces, newlines and tabs, non-ASCII, JSON-looking text, "NULL") must
 * come back exactly as sent, through a create and then an update of the same profiles, and events
 * with such ids must stay idempotent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, dataOf, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { defineTrait } from '../../../api/traits/traits.service.js';

const UPSERTS = 'mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated } }';
const TRACK = 'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted duplicates } }';

const AWKWARD = ['quote "x"', 'back\\slash\\', 'comma, {brace}', 'line\nbreak\ttab', 'Nguyễn Thị Ánh 日本', '{"json":true}', 'NULL', "it's"];

describeEachDatabase('batch values', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Batch values');
    await defineTrait(suite.db, ws.workspaceId, 'note', 'string', null);
    await defineTrait(suite.db, ws.workspaceId, 'labels', 'stringList', null);
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  const stored = async () => {
    const { rows } = await suite.db.execute(sql`select external_id, first_name, city, traits from profiles where workspace_id = ${ws.workspaceId} order by external_id`);
    return rows;
  };

  it('creates and then updates profiles whose ids, fields and traits hold awkward text, exactly as sent', async () => {
    const inputs = AWKWARD.map((text, i) => ({ externalId: `${text}#${i}`, firstName: text, traits: { note: text, labels: [text, 'b'] } }));
    expect(dataOf(await api.gql(UPSERTS, { inputs }, ws.keys.admin)).upsertProfiles).toEqual({ created: AWKWARD.length, updated: 0 });
    const updates = AWKWARD.map((text, i) => ({ externalId: `${text}#${i}`, city: `${text}!` }));
    expect(dataOf(await api.gql(UPSERTS, { inputs: updates }, ws.keys.admin)).upsertProfiles).toEqual({ created: 0, updated: AWKWARD.length });
    const expected = AWKWARD.map((text, i) => ({ external_id: `${text}#${i}`, first_name: text.trim(), city: `${text}!`.trim(), traits: { note: text, labels: [text, 'b'] } }));
    expect(await stored()).toEqual(expect.arrayContaining(expected));
    expect(await stored()).toHaveLength(AWKWARD.length);
  });

  it('tracks events whose ids and properties hold awkward text once, and a replay as duplicates', async () => {
    const events = AWKWARD.map((text, i) => ({ eventId: `${text}@${i}`, externalId: `${text}#${i}`, name: 'note_added', properties: { text }, timestamp: '2026-01-31T09:30:00Z' }));
    expect(dataOf(await api.gql(TRACK, { events }, ws.keys.admin)).trackEvents).toEqual({ accepted: AWKWARD.length, duplicates: 0 });
    expect(dataOf(await api.gql(TRACK, { events }, ws.keys.admin)).trackEvents).toEqual({ accepted: 0, duplicates: AWKWARD.length });
    const { rows } = await suite.db.execute(sql`
      select e.event_id, e.properties, p.external_id from events e join profiles p on p.id = e.profile_id
      where e.workspace_id = ${ws.workspaceId} order by e.event_id`);
    expect(rows).toEqual(expect.arrayContaining(AWKWARD.map((text, i) => ({ event_id: `${text}@${i}`, properties: { text }, external_id: `${text}#${i}` }))));
    expect(rows).toHaveLength(AWKWARD.length);
    expect(await stored()).toHaveLength(AWKWARD.length);
  });
});
