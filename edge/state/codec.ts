/**
 * The visitor state and its compact text form (the unsigned payload of the `ae_vid` cookie).
 *
 * Format v1, fields joined by `|`, every string percent-encoded (slashes kept), numbers base 36:
 *   `1|<id>|<firstSeen s>|<lastSeen s>|<pageViews>|<host^host...>|<views>|<identity>`
 * views: `^`-joined `<lastSeen - at, s>:<path>` (host 0) or `<delta>:<host index>:<path>`
 *   (empty index = no host), oldest first;
 * identity: `<externalId>:<membership fetch time s>:<slug^slug...>[:<profile id>]` or empty, the
 *   profile id (the API's UUID, the A/B split subject) as its 16 bytes in unpadded base64url
 *   (22 characters); cookies written before it existed have no fourth field and stay valid.
 * Every character used is a legal cookie-octet, so the value needs no quoting.
 * Decoding is strict: anything unexpected gives null (a fresh visitor), never an exception.
 */
import type { PageView, VisitorHistory } from '../../schema/context.js';
import { base64UrlDecode, base64UrlEncode } from '../crypto/hmac.js';

/** An identified visitor: who they are and their profile-scoped memberships as last fetched. */
export interface VisitorIdentity {
  externalId: string;
  segments: readonly string[];
  /** When `segments` was fetched, epoch ms; 0 = never (fetch on the next request). */
  fetchedAt: number;
  /**
   * The profile's id (lower-case UUID) as the memberships answer gave it: the subject of the
   * visitor's A/B split variants, as in the API's `splitAssignment`. Absent when not known.
   */
  profileId?: string;
}

export interface VisitorState {
  id: string;
  history: VisitorHistory;
  identity?: VisitorIdentity;
}

export const STATE_LIMITS = {
  /** Most page views kept, whatever their size. */
  maxViews: 100,
  /** Paths longer than this are counted (`pageViews`) but not kept in the history. */
  maxPathLength: 256,
  maxHosts: 8,
  maxSegments: 64,
  maxExternalIdLength: 256,
} as const;

const VERSION = '1';
const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const B36 = /^[0-9a-z]{1,11}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const enc = (s: string): string => encodeURIComponent(s).replaceAll('%2F', '/');

function dec(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function num(s: string | undefined): number | null {
  if (s === undefined || !B36.test(s)) return null;
  const n = parseInt(s, 36);
  return Number.isSafeInteger(n) ? n : null;
}

const sec = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

function encodeViews(views: readonly PageView[], lastSeenS: number, hosts: string[]): string {
  const out: string[] = [];
  for (const v of views) {
    const delta = Math.max(0, lastSeenS - sec(v.at)).toString(36);
    let idx = '';
    if (v.host !== undefined) {
      let i = hosts.indexOf(v.host);
      if (i < 0 && hosts.length < STATE_LIMITS.maxHosts) i = hosts.push(v.host) - 1;
      if (i < 0) continue; // too many hosts: drop the view rather than misattribute it
      idx = i.toString(36);
    }
    out.push(idx === '0' ? `${delta}:${enc(v.path)}` : `${delta}:${idx}:${enc(v.path)}`);
  }
  return out.join('^');
}

/** A lower-case UUID as its 16 bytes in base64url (22 characters); null for anything else. */
function packUuid(uuid: string): string | null {
  if (!UUID.test(uuid)) return null;
  const hex = uuid.replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return base64UrlEncode(bytes);
}

function unpackUuid(text: string): string | null {
  const bytes = text.length === 22 ? base64UrlDecode(text) : null;
  if (!bytes || bytes.length !== 16) return null;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function encodeIdentity(identity: VisitorIdentity | undefined): string {
  if (!identity) return '';
  const slugs = identity.segments.slice(0, STATE_LIMITS.maxSegments).map(enc).join('^');
  const profile = identity.profileId === undefined ? null : packUuid(identity.profileId);
  return `${enc(identity.externalId)}:${sec(identity.fetchedAt).toString(36)}:${slugs}${profile ? `:${profile}` : ''}`;
}

/**
 * Encodes a state in at most `maxLength` characters, dropping the oldest views (then the
 * memberships, then the profile id, which are refetched) until it fits. Null when even that does
 * not fit.
 */
export function encodeVisitorState(state: VisitorState, maxLength: number): string | null {
  const { history } = state;
  const lastSeenS = sec(history.lastSeen ?? 0);
  const views = history.views.filter((v) => v.path.length <= STATE_LIMITS.maxPathLength).slice(-STATE_LIMITS.maxViews);
  let identity = state.identity;
  for (;;) {
    const hosts: string[] = [];
    const viewText = encodeViews(views, lastSeenS, hosts);
    const text = [
      VERSION,
      state.id,
      sec(history.firstSeen ?? 0).toString(36),
      lastSeenS.toString(36),
      history.pageViews.toString(36),
      hosts.map(enc).join('^'),
      viewText,
      encodeIdentity(identity),
    ].join('|');
    if (text.length <= maxLength) return text;
    if (views.length > 0) views.splice(0, Math.max(1, Math.ceil(views.length / 8)));
    else if (identity && identity.segments.length > 0) identity = { ...identity, segments: [], fetchedAt: 0 };
    else if (identity?.profileId !== undefined) identity = { externalId: identity.externalId, segments: [], fetchedAt: 0 };
    else return null;
  }
}

function decodeViews(text: string, lastSeenS: number, hosts: readonly string[]): PageView[] | null {
  if (text === '') return [];
  const parts = text.split('^');
  if (parts.length > STATE_LIMITS.maxViews) return null;
  const views: PageView[] = [];
  for (const part of parts) {
    const f = part.split(':');
    const delta = num(f[0]);
    const rawPath = f.length === 2 ? f[1] : f.length === 3 ? f[2] : undefined;
    const path = rawPath === undefined ? null : dec(rawPath);
    if (delta === null || delta > lastSeenS || path === null) return null;
    const view: PageView = { at: (lastSeenS - delta) * 1000, path };
    const idx = f.length === 2 ? '0' : (f[1] ?? '');
    if (idx !== '') {
      const i = num(idx);
      const host = i === null ? undefined : hosts[i];
      if (host === undefined) return null;
      view.host = host;
    }
    views.push(view);
  }
  return views;
}

function decodeIdentity(text: string): VisitorIdentity | undefined | null {
  if (text === '') return undefined;
  const f = text.split(':');
  if (f.length !== 3 && f.length !== 4) return null;
  const externalId = dec(f[0] ?? '');
  const fetchedS = num(f[1]);
  if (!externalId || externalId.length > STATE_LIMITS.maxExternalIdLength || fetchedS === null) return null;
  const segments: string[] = [];
  for (const s of (f[2] ?? '') === '' ? [] : (f[2] ?? '').split('^')) {
    const slug = dec(s);
    if (!slug || segments.length >= STATE_LIMITS.maxSegments) return null;
    segments.push(slug);
  }
  if (f.length === 3) return { externalId, segments, fetchedAt: fetchedS * 1000 };
  const profileId = unpackUuid(f[3] ?? '');
  return profileId ? { externalId, segments, fetchedAt: fetchedS * 1000, profileId } : null;
}

/** Decodes what `encodeVisitorState` wrote; null for anything else. */
export function decodeVisitorState(text: string): VisitorState | null {
  const f = text.split('|');
  if (f.length !== 8 || f[0] !== VERSION) return null;
  const id = f[1] ?? '';
  const firstS = num(f[2]);
  const lastS = num(f[3]);
  const pageViews = num(f[4]);
  if (!ID_PATTERN.test(id) || firstS === null || lastS === null || pageViews === null || firstS > lastS) return null;
  const hosts: string[] = [];
  for (const h of f[5] === '' ? [] : (f[5] ?? '').split('^')) {
    const host = dec(h);
    if (!host || hosts.length >= STATE_LIMITS.maxHosts) return null;
    hosts.push(host);
  }
  const views = decodeViews(f[6] ?? '', lastS, hosts);
  const identity = decodeIdentity(f[7] ?? '');
  if (views === null || identity === null || views.length > pageViews) return null;
  const history: VisitorHistory = { firstSeen: firstS * 1000, lastSeen: lastS * 1000, pageViews, views };
  return identity ? { id, history, identity } : { id, history };
}
