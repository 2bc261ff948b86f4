/**
 * The build encodes cells and lines in SQL (build-sql.ts); formats.ts is the reference. Every file
 * of profiles with awkward values (quotes, commas, line breaks, control characters, backslashes,
 * non-Latin text, invalid inputs, visitor ids with ';') must be, line for line, what formatRow and
 * the CSV / JSONL encoders make of the same profiles - adds in FULL files and removes in DELTA files.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { describeEachDatabase } from '../../helpers/db.js';
import { createTestWorkspace, startTestApi, type TestApi, type TestWorkspace } from '../harness.js';
import { upsertProfiles } from '../../../api/profiles/upsert.service.js';
import { SegmentService } from '../../../api/segments/segments.service.js';
import { encodeCsvRow, encodeJsonlRow, exportHeader, formatRow, type Cell, type Destination, type ExportProfile } from '../../../api/exports/formats.js';
import { exportFile } from './export-helpers.js';

const AWKWARD = [
  { externalId: 'q"uote,comma', email: 'A"b@example.com', firstName: 'Zoë, "the" 1st', lastName: "D'Arcy-Smith", city: 'São Paulo', region: 'SP', postalCode: '01310-100', country: 'BR', phone: '+55 11 91234-5678', visitorIds: ['v-a;1', 'v-b"2'] },
  { externalId: 'line\nbreak\r\nend', email: "new'line\u00e9@example.com", firstName: 'Ann\tTab', lastName: 'Back\\slash', city: 'Hà Nội', country: 'VN', phone: '0901234567', madid: 'AEBE52E7-03EE-455A-B3C4-E57283966239' },
  { externalId: 'ctrl\u0001\u001fchar', email: 'bad@email', phone: '12', firstName: '日本', lastName: 'Ωμέγα', postalCode: 'SW1A 1AA', country: 'GB', region: 'England' },
  { externalId: '  spaced  ', email: ' Cloudy.SanFrancisco+shop@GoogleMail.com ', firstName: 'Ann', lastName: 'Lee', country: 'US', postalCode: '94303-5300', region: 'California', city: 'Palo Alto' },
  { externalId: 'emoji-😀', email: 'emoji😀@example.com', madid: '00000000-0000-0000-0000-000000000000', country: 'XX' },
].map((p) => ({ ...p, consent: { ads: true } }));

describeEachDatabase('export files agree with the reference encoders', (suite) => {
  let api: TestApi;
  let ws: TestWorkspace;
  let segments: SegmentService;
  let segmentId: string;
  let profiles: ExportProfile[];
  let joinedAt: Map<string, string>;

  beforeAll(async () => {
    ws = await createTestWorkspace(suite.db, 'Agreement');
    const written = (await upsertProfiles(suite.db, ws.workspaceId, AWKWARD)).profiles;
    profiles = written.map((p, i) => ({ ...p, visitorIds: [...(AWKWARD[i]!.visitorIds ?? [])].sort() }));
    segments = new SegmentService(suite.db, ws.workspaceId);
    segmentId = (await segments.create({ slug: 'awkward', name: 'Awkward', type: 'static' })).id;
    await segments.addToStatic(segmentId, profiles.map((p) => p.id));
    const { rows } = await suite.db.execute<{ id: string; at: Date | string }>(sql`select profile_id as id, joined_at as at from segment_members where segment_id = ${segmentId}`);
    joinedAt = new Map(rows.map((r) => [r.id, new Date(r.at).toISOString()]));
    api = await startTestApi(suite.db);
  });
  afterAll(() => api?.close());

  /** The file formats.ts would write for these members, in the download's order (profile id). */
  function expectedFile(destination: Destination, format: 'CSV' | 'JSONL', action: 'add' | 'remove', which: readonly ExportProfile[]): string {
    const mode = action === 'remove' ? 'DELTA' : 'FULL';
    const header = exportHeader(destination, mode);
    const lines = [...which]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .flatMap((profile) => {
        const row = formatRow(destination, { action, profile, joinedAt: joinedAt.get(profile.id) ?? null }, { mode, segment: 'awkward' });
        if (!row.ok) return [];
        const cells: Cell[] = row.cells;
        return [format === 'CSV' ? encodeCsvRow(cells) : encodeJsonlRow(header, cells)];
      });
    return (format === 'CSV' ? encodeCsvRow(header) : '') + lines.join('');
  }

  it('FULL files, every destination and format', async () => {
    for (const destination of ['META', 'GOOGLE', 'GENERIC'] as const) {
      for (const format of ['CSV', 'JSONL'] as const) {
        const { text } = await exportFile(api, ws.keys.editor, segmentId, destination, format, 'FULL');
        expect({ destination, format, text }).toEqual({ destination, format, text: expectedFile(destination, format, 'add', profiles) });
      }
    }
  });

  it('DELTA removals re-encode the kept cells exactly', async () => {
    await segments.removeFromStatic(segmentId, profiles.slice(0, 3).map((p) => p.id));
    const cases = [['META', 'JSONL'], ['GOOGLE', 'CSV'], ['GENERIC', 'CSV']] as const;
    for (const [destination, format] of cases) {
      const { text } = await exportFile(api, ws.keys.editor, segmentId, destination, format, 'DELTA');
      expect({ destination, format, text }).toEqual({ destination, format, text: expectedFile(destination, format, 'remove', profiles.slice(0, 3)) });
    }
  });
});
