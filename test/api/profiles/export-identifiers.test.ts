/**
 * upsertProfiles writes each profile's export identifiers (normalised and hashed per platform) with
 * it; a change of a source column by any other path drops them (trigger), to be recomputed on demand.
 */
import { beforeAll, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { sha256Hex as h } from '../../../api/exports/normalise.js';
import { backfillExportIdentifiers, exportIdentifiers } from '../../../api/exports/identifiers.js';
import { profileExportIdentifiers } from '../../../drizzle/index.js';

describeEachDatabase('profile export identifiers', (suite) => {
  let ws: TestWorkspace;
  const read = async (profileId: string) => (await suite.db.select().from(profileExportIdentifiers).where(eq(profileExportIdentifiers.profileId, profileId)))[0];

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Identifiers');
  });

  it('are written with the profile and follow its changes', async () => {
    const [ana] = (await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'ID-1', email: ' Ana@Gmail.com ', phone: '0901234567', country: 'VN', firstName: 'Ana' }])).profiles;
    expect(await read(ana!.id)).toMatchObject({
      emailSha256: h('ana@gmail.com'),
      metaPhone: h('84901234567'),
      phoneE164Sha256: h('+84901234567'),
      metaFn: h('ana'),
      googleCountry: 'VN',
      metaOk: true,
      googleOk: true,
      metaInvalid: [],
    });
    await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'ID-1', email: 'not-an-address@x', phone: null }]);
    expect(await read(ana!.id)).toMatchObject({ emailSha256: null, metaPhone: null, metaOk: true, googleOk: false, metaInvalid: ['EMAIL'], genericInvalid: ['email_sha256'] });
  });

  it('are dropped when another path changes a source column, kept when it changes something else, and backfilled', async () => {
    const [bo] = (await upsertProfiles(suite.db, ws.workspaceId, [{ externalId: 'ID-2', email: 'bo@example.com' }])).profiles;
    await suite.db.execute(sql`update profiles set purchase_count = 3 where id = ${bo!.id}`);
    expect(await read(bo!.id)).toBeDefined();
    await suite.db.execute(sql`update profiles set email = 'bo@example.org' where id = ${bo!.id}`);
    expect(await read(bo!.id)).toBeUndefined();
    expect(await backfillExportIdentifiers(suite.db)).toBeGreaterThanOrEqual(1);
    const row = await read(bo!.id);
    expect(row).toEqual(exportIdentifiers({ ...bo!, email: 'bo@example.org' }));
  });
});
