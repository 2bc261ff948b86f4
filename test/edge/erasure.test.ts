/**
 * The Worker forgets an identity whose profile is gone: when the memberships answer says
 * PROFILE_GONE (the profile was erased), the next visit drops the external id, the cached
 * memberships and the profile id from the cookie and stops reporting the external id. The cache
 * is refetched at least hourly, whatever MEMBERSHIP_TTL_SECONDS says.
 */
import { describe, expect, it } from 'vitest';
import { MAX_MEMBERSHIP_TTL_SECONDS, parseConfig } from '../../edge/config.js';
import { signIdentifyToken } from '../../edge/crypto/identify-token.js';
import { signVisitorState } from '../../edge/state/cookies.js';
import { createEdge, tagAnswer, testEnv, visitorCookie } from './harness.js';

const SECRET = 'test-identify-secret-0123456789abcdef';
const PROFILE_ID = '0b7c2a4e-5d3f-4e1a-9c8b-7a6d5e4f3a2b';
const identify = async (externalId: string) =>
  new Request('https://edge.shop.example/v1/identify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: await signIdentifyToken({ externalId, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET) }),
  });

describe('an erased profile at the edge', () => {
  it('drops the identity, its memberships and its external id from reports once the API says PROFILE_GONE', async () => {
    const edge = createEdge({ MEMBERSHIP_TTL_SECONDS: '0' });
    edge.upstream.memberships.set('cust-9', ['loyal']);
    edge.upstream.profileIds.set('cust-9', PROFILE_ID);
    const identified = await edge.send(await identify('cust-9'));
    const before = await edge.tag('https://shop.example/', { cookie: visitorCookie(identified) });
    expect((await tagAnswer(before.clone())).tags).toContain('loyal-visitor');
    expect(edge.upstream.events.at(-1)).toMatchObject({ profileExternalId: 'cust-9' });

    edge.upstream.memberships.delete('cust-9'); // deleteProfile
    const after = await edge.tag('https://shop.example/next', { cookie: visitorCookie(before) });
    const answer = await tagAnswer(after.clone());
    expect(answer.tags).not.toContain('loyal-visitor');
    expect(edge.upstream.events.at(-1)).not.toHaveProperty('profileExternalId');
    const calls = edge.upstream.membershipCalls;

    // The new cookie carries no identity: no more refetches, no external id, same visitor.
    const later = await tagAnswer(await edge.tag('https://shop.example/later', { cookie: visitorCookie(after) }));
    expect(later.visitorId).toBe(answer.visitorId);
    expect(edge.upstream.membershipCalls).toBe(calls);
    expect(edge.upstream.events.at(-1)).toMatchObject({ visitorId: answer.visitorId });
    expect(edge.upstream.events.at(-1)).not.toHaveProperty('profileExternalId');
    const cookie = visitorCookie(after) ?? '';
    expect(cookie).not.toContain('cust-9');
  });

  it('keeps the identity on a plain 404 of an older API and while the API is unreachable', async () => {
    const edge = createEdge({ MEMBERSHIP_TTL_SECONDS: '0' });
    edge.upstream.legacyNotFound = true;
    const cookie = visitorCookie(await edge.send(await identify('cust-new')));
    await tagAnswer(await edge.tag('https://shop.example/', { cookie }));
    expect(edge.upstream.events.at(-1)).toMatchObject({ profileExternalId: 'cust-new' });
    edge.upstream.membershipsDown = true;
    await tagAnswer(await edge.tag('https://shop.example/', { cookie }));
    expect(edge.upstream.events.at(-1)).toMatchObject({ profileExternalId: 'cust-new' });
  });

  it('caps the membership cache at an hour: memberships fetched 2 h ago are refetched even with a 1-day TTL', async () => {
    expect(parseConfig(testEnv({ MEMBERSHIP_TTL_SECONDS: '86400' })).membershipTtlMs).toBe(MAX_MEMBERSHIP_TTL_SECONDS * 1000);
    expect(MAX_MEMBERSHIP_TTL_SECONDS).toBe(3600);
    const edge = createEdge({ MEMBERSHIP_TTL_SECONDS: '86400' });
    const now = Date.now();
    const state = {
      id: 'visitor-erased-0001',
      history: { firstSeen: now - 3 * 3600_000, lastSeen: now - 2 * 3600_000, pageViews: 1, views: [] },
      identity: { externalId: 'cust-erased', segments: ['loyal'], fetchedAt: now - 2 * 3600_000, profileId: PROFILE_ID },
    };
    const cookie = `ae_vid=${await signVisitorState(state, testEnv().COOKIE_SECRET!)}`;
    const answer = await tagAnswer(await edge.tag('https://shop.example/', { cookie }));
    expect(edge.upstream.membershipCalls).toBe(1);
    expect(answer.tags).not.toContain('loyal-visitor');
    expect(edge.upstream.events.at(-1)).toMatchObject({ visitorId: 'visitor-erased-0001' });
    expect(edge.upstream.events.at(-1)).not.toHaveProperty('profileExternalId');
  });
});
