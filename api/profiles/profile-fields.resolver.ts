import { Arg, Args, Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ROLES, type RequestContext } from '../context.js';
import { ConnectionArgs, pageRequest, type Connection } from '../graphql/connection.js';
import type { EventRow, ProfileRow, SegmentRow } from '../../drizzle/index.js';
import { SegmentType } from '../segments/segments.type.js';
import { profileAttributes } from '../../schema/profile.js';
import { ConsentType, EventConnection, ProfileComputedType, ProfileType, SeenGeo } from './profiles.type.js';
import { eventsOfProfile, segmentsOfProfile, visitorIdsOfProfile } from './profiles.loaders.js';

@Resolver(() => ProfileType)
export class ProfileFieldResolver {
  @Authorized(...ROLES.profileData)
  @FieldResolver(() => ConsentType, { description: 'What the person agreed to be contacted by (all false until given).' })
  consent(@Root() profile: ProfileRow): ConsentType {
    return { email: profile.consentEmail, sms: profile.consentSms, ads: profile.consentAds };
  }

  @Authorized(...ROLES.personalData)
  @FieldResolver(() => SeenGeo, {
    nullable: true,
    description: 'Where the edge last saw this person as an identified visitor (geo.* of a profile without a stored address); null when never. Admin and editor keys only.',
  })
  lastSeenGeo(@Root() p: ProfileRow): SeenGeo | null {
    if (p.geoSeenAt === null) return null;
    return { country: p.seenCountry, region: p.seenRegion, city: p.seenCity, postalCode: p.seenPostalCode, continent: p.seenContinent, timezone: p.seenTimezone, at: p.geoSeenAt };
  }

  @Authorized(...ROLES.profileData)
  @FieldResolver(() => ProfileComputedType, { description: 'Purchase attributes at the time of the request.' })
  computed(@Root() p: ProfileRow, @Ctx() ctx: RequestContext): ProfileComputedType {
    const attributes = profileAttributes(
      {
        traits: {},
        createdAt: p.createdAt.getTime(),
        email: p.email,
        phone: p.phone,
        consentEmail: p.consentEmail,
        consentSms: p.consentSms,
        purchaseCount: p.purchaseCount,
        purchaseTotal: p.purchaseTotal,
        firstPurchaseAt: p.firstPurchaseAt?.getTime() ?? null,
        lastPurchaseAt: p.lastPurchaseAt?.getTime() ?? null,
        avgIntervalDays: p.avgIntervalDays,
      },
      ctx.now.getTime(),
    );
    const num = (path: string) => {
      const v = attributes[path];
      return typeof v === 'number' ? v : null;
    };
    return {
      purchaseCount: p.purchaseCount,
      purchaseTotal: p.purchaseTotal,
      firstPurchaseAt: p.firstPurchaseAt,
      lastPurchaseAt: p.lastPurchaseAt,
      avgIntervalDays: p.avgIntervalDays,
      daysSinceLastPurchase: num('purchases.daysSinceLast'),
      overdueRatio: num('purchases.overdueRatio'),
    };
  }

  @Authorized(...ROLES.profileData)
  @FieldResolver(() => [String], { description: 'Edge visitor ids (ae_vid) attached to this profile.' })
  visitorIds(@Root() profile: ProfileRow, @Ctx() ctx: RequestContext): Promise<string[]> {
    return visitorIdsOfProfile(ctx).load(profile.id);
  }

  @Authorized(...ROLES.profileData)
  @FieldResolver(() => [SegmentType], { description: 'The published segments this profile is a member of.' })
  segments(@Root() profile: ProfileRow, @Ctx() ctx: RequestContext): Promise<SegmentRow[]> {
    return segmentsOfProfile(ctx).load(profile.id);
  }

  @Authorized(...ROLES.profileData)
  @FieldResolver(() => EventConnection, { description: 'Tracked events, newest first.' })
  events(
    @Root() profile: ProfileRow,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('name', () => String, { nullable: true, description: 'Only events of this name.' }) name: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Connection<EventRow>> {
    const page = pageRequest(args);
    return eventsOfProfile(ctx).load({ profileId: profile.id, first: page.first, after: page.after, name: name ?? null });
  }
}
