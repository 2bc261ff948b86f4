/**
 * Every resolver class of the API. Features append theirs here (segments, categories, exports ...).
 */
import { WorkspaceAdminResolver } from '../admin/workspaces.resolver.js';
import { AnalyticsFieldResolver, AnalyticsResolver } from '../analytics/analytics.resolver.js';
import { SplitKpisFieldResolver } from '../analytics/split-kpis.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { AudienceExportResolver } from '../exports/exports.resolver.js';
import { EventResolver } from '../events/events.resolver.js';
import { EventNameResolver } from '../events/event-names.resolver.js';
import { IdentifyResolver } from '../identify/identify.resolver.js';
import { PredictiveFieldResolver, PredictiveResolver } from '../predictive/predictive.resolver.js';
import { ProfileFieldResolver } from '../profiles/profile-fields.resolver.js';
import { ProfileResolver } from '../profiles/profiles.resolver.js';
import { CategoryResolver } from '../segments/categories.resolver.js';
import { LifecycleResolver } from '../segments/lifecycle.resolver.js';
import { SegmentFieldResolver } from '../segments/segment-fields.resolver.js';
import { SegmentResolver } from '../segments/segments.resolver.js';
import { SegmentRemovalResolver } from '../segments/segment-removal.resolver.js';
import { SegmentVersionDiffResolver, VersionDiffFieldResolver } from '../segments/version-diff.resolver.js';
import { StaticListResolver } from '../segments/static-lists.resolver.js';
import { TraitResolver } from '../traits/traits.resolver.js';

export const resolvers = [
  AuthResolver,
  WorkspaceAdminResolver,
  TraitResolver,
  ProfileResolver,
  ProfileFieldResolver,
  PredictiveResolver,
  PredictiveFieldResolver,
  EventResolver,
  EventNameResolver,
  SegmentResolver,
  SegmentFieldResolver,
  SegmentRemovalResolver,
  SegmentVersionDiffResolver,
  VersionDiffFieldResolver,
  StaticListResolver,
  CategoryResolver,
  LifecycleResolver,
  AudienceExportResolver,
  AnalyticsResolver,
  AnalyticsFieldResolver,
  SplitKpisFieldResolver,
  IdentifyResolver,
] as const;
