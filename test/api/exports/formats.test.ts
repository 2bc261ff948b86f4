import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeCsvRow,
  encodeJsonlRow,
  exportHeader,
  formatRow,
  type ExportMember,
  type ExportProfile,
} from '../../../api/exports/formats.js';
import { sha256Hex } from '../../../api/exports/normalise.js';

const lan: ExportProfile = {
  id: '6f1c2a5e-0000-4000-8000-000000000001',
  externalId: 'CRM-42',
  email: ' Lan.Nguyen+news@Gmail.com ',
  phone: '0901234567',
  firstName: 'Lan',
  lastName: 'Nguyễn',
  city: 'Hồ Chí Minh',
  region: 'Hồ Chí Minh',
  postalCode: '700000',
  country: 'VN',
  madid: 'AECE52E7-03EE-455A-B3C4-E57283966239',
  visitorIds: ['v1', 'v2'],
};
const joinedAt = new Date('2026-01-31T09:30:00Z');
const add = (profile: ExportProfile): ExportMember => ({ action: 'add', profile, joinedAt });
const erased: ExportMember = {
  action: 'remove',
  profile: { erased: true, id: '6f1c2a5e-0000-4000-8000-000000000002', externalIdSha256: sha256Hex('CRM-7') },
  joinedAt: null,
};
const full = { mode: 'FULL', segment: 'vip' } as const;
const delta = { mode: 'DELTA', segment: 'vip' } as const;
const empty: ExportProfile = { ...lan, externalId: null, email: null, phone: null, firstName: null, lastName: null, city: null, region: null, postalCode: null, country: null, madid: null, visitorIds: [] };

describe('headers', () => {
  // Meta multi-key schema keys: https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
  // Google Customer Match CSV headers: https://support.google.com/google-ads/answer/7476159
  it('follow each destination, with a leading action column in DELTA', () => {
    expect(exportHeader('META', 'FULL')).toEqual(['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID', 'EXTERN_ID']);
    expect(exportHeader('GOOGLE', 'FULL')).toEqual(['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip']);
    expect(exportHeader('GENERIC', 'DELTA')).toEqual(['action', 'profile_id', 'external_id', 'visitor_ids', 'email_sha256', 'phone_sha256', 'segment', 'joined_at']);
  });
});

describe('formatRow', () => {
  it('META: every column normalised and hashed as Meta asks', () => {
    expect(formatRow('META', add(lan), full)).toEqual({
      ok: true,
      invalid: [],
      cells: [
        sha256Hex('lan.nguyen+news@gmail.com'),
        sha256Hex('84901234567'),
        sha256Hex('lan'),
        sha256Hex('nguyễn'),
        sha256Hex('hồchíminh'),
        sha256Hex('hồchíminh'),
        sha256Hex('700000'),
        sha256Hex('vn'),
        'aece52e7-03ee-455a-b3c4-e57283966239',
        'CRM-42',
      ],
    });
  });

  it('GOOGLE: gmail address canonicalised, phone E.164, country and zip in clear', () => {
    expect(formatRow('GOOGLE', add(lan), delta)).toEqual({
      ok: true,
      invalid: [],
      cells: ['add', sha256Hex('lannguyen@gmail.com'), sha256Hex('+84901234567'), sha256Hex('lan'), sha256Hex('nguyễn'), 'VN', '700000'],
    });
  });

  it('GENERIC: ids, visitor ids, hashes, segment and joined-at', () => {
    const row = formatRow('GENERIC', add(lan), full);
    expect(row).toEqual({
      ok: true,
      invalid: [],
      cells: [lan.id, 'CRM-42', ['v1', 'v2'], sha256Hex('lan.nguyen+news@gmail.com'), sha256Hex('+84901234567'), 'vip', '2026-01-31T09:30:00.000Z'],
    });
  });

  it('reports invalid fields and leaves them empty, keeping a row that still matches', () => {
    const row = formatRow('META', add({ ...lan, email: 'lan.nguyen', phone: '12345', madid: null, externalId: null }), full);
    expect(row.ok).toBe(true);
    expect(row.invalid).toEqual(['EMAIL', 'PHONE']);
    if (row.ok) expect(row.cells.slice(0, 3)).toEqual([null, null, sha256Hex('lan')]);
  });

  it('skips a row with no usable identifier, and says which inputs were bad', () => {
    const bad = { ...empty, email: 'nobody@', phone: '555-0100', country: 'US', firstName: 'Ann' };
    expect(formatRow('META', add(bad), full)).toEqual({ ok: false, reason: 'no-identifier', invalid: ['EMAIL', 'PHONE'] });
    expect(formatRow('GOOGLE', add(bad), full)).toEqual({ ok: false, reason: 'no-identifier', invalid: ['Email', 'Phone'] });
    expect(formatRow('GENERIC', add(bad), full).ok).toBe(true);
  });

  it('GOOGLE matches on a mailing address only with all four of its parts', () => {
    const address = { ...empty, firstName: 'Ann', lastName: 'Lee', country: 'US', postalCode: '94303-5300' };
    expect(formatRow('GOOGLE', add(address), full).ok).toBe(true);
    expect(formatRow('GOOGLE', add({ ...address, postalCode: null }), full).ok).toBe(false);
  });

  it('DELTA: an erased member is removable by EXTERN_ID hash on META, by profile id on GENERIC', () => {
    expect(formatRow('META', erased, delta)).toEqual({ ok: false, reason: 'no-identifier', invalid: [] });
    expect(formatRow('META', erased, { ...delta, metaExternId: 'sha256' })).toEqual({
      ok: true,
      invalid: [],
      cells: ['remove', null, null, null, null, null, null, null, null, null, sha256Hex('CRM-7')],
    });
    expect(formatRow('GOOGLE', erased, delta).ok).toBe(false);
    expect(formatRow('GENERIC', erased, delta)).toEqual({
      ok: true,
      invalid: [],
      cells: ['remove', erased.profile.id, null, [], null, null, 'vip', null],
    });
  });

  it("META sha256 EXTERN_ID of a live profile equals its erasure tombstone's hash", () => {
    const row = formatRow('META', add(lan), { ...full, metaExternId: 'sha256' });
    expect(row.ok && row.cells[9]).toBe(sha256Hex('CRM-42'));
  });
});

/** A strict RFC 4180 reader of one record, for the round trip. */
function parseCsvRecord(line: string): string[] {
  expect(line.endsWith('\r\n')).toBe(true);
  const body = line.slice(0, -2);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (body[i] === '"') {
      for (i++; ; i++) {
        if (body[i] === '"' && body[i + 1] === '"') (field += '"'), i++;
        else if (body[i] === '"') break;
        else field += body[i];
      }
      i++;
    } else {
      while (i < body.length && body[i] !== ',') field += body[i++];
    }
    fields.push(field);
    if (i >= body.length) return fields;
    expect(body[i]).toBe(',');
    i++;
  }
}

describe('encoding', () => {
  it('CSV: quotes only when needed, doubles quotes, CRLF, lists joined by ;', () => {
    expect(encodeCsvRow(['a', null, 'b,c', 'say "hi"', 'two\nlines', ['v1', 'v2']])).toBe('a,,"b,c","say ""hi""","two\nlines",v1;v2\r\n');
    expect(encodeCsvRow(exportHeader('GOOGLE', 'FULL'))).toBe('Email,Phone,First Name,Last Name,Country,Zip\r\n');
  });

  it('CSV round-trips any text through an RFC 4180 reader', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 8 }), (fields) => {
        expect(parseCsvRecord(encodeCsvRow(fields))).toEqual(fields);
      }),
    );
  });

  it('JSONL: one object per line keyed by the header, lists and nulls kept', () => {
    const header = exportHeader('GENERIC', 'DELTA');
    const row = formatRow('GENERIC', erased, delta);
    if (!row.ok) throw new Error('expected a row');
    const line = encodeJsonlRow(header, row.cells);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      action: 'remove',
      profile_id: erased.profile.id,
      external_id: null,
      visitor_ids: [],
      email_sha256: null,
      phone_sha256: null,
      segment: 'vip',
      joined_at: null,
    });
  });
});
