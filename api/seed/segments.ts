/**
 * The demo workspace's segments: the 13 lifecycle segments (published, in their 4 categories), a handful
 * of edge segments a marketer would target on the website, and a static list.
 */
import type { Database } from '../db/index.js';
import { ensureCategory } from '../segments/categories.service.js';
import { createLifecycleSegments } from '../segments/lifecycle.service.js';
import { SegmentService } from '../segments/segments.service.js';

export interface SeedSegmentsContext {
  db: Database;
  workspaceId: string;
  now: Date;
}

/** Edge-evaluable demo segments: geography, device, pages, campaigns, time, identified loyalty. */
export const DEMO_EDGE_SEGMENTS = [
  {
    slug: 'sea-mobile',
    name: 'South-East Asia on mobile',
    rule: { all: [{ attr: 'geo.country', op: 'in', value: ['VN', 'TH', 'ID', 'MY', 'PH', 'SG'] }, { attr: 'device.type', op: 'eq', value: 'mobile' }] },
  },
  {
    slug: 'pricing-researchers',
    name: 'Pricing researchers',
    rule: { event: 'page_view', where: [{ attr: 'path', op: 'startsWith', value: '/pricing' }], min: 3, inLastDays: 30 },
  },
  { slug: 'black-friday-visitors', name: 'Black Friday campaign visitors', rule: { attr: 'utm.campaign', op: 'eq', value: 'black-friday' } },
  {
    slug: 'blog-readers-desktop',
    name: 'Blog readers on desktop',
    rule: { all: [{ attr: 'page.path', op: 'matches', value: '/blog/**' }, { attr: 'device.type', op: 'eq', value: 'desktop' }] },
  },
  { slug: 'night-owls', name: 'Night owls', rule: { attr: 'time.hour', op: 'between', value: [0, 5] } },
  { slug: 'loyal-on-site', name: 'Loyal customers on the site', rule: { all: [{ segment: 'loyal' }, { not: { attr: 'page.path', op: 'startsWith', value: '/account' } }] } },
] as const;

export async function seedSegments({ db, workspaceId, now }: SeedSegmentsContext): Promise<void> {
  await createLifecycleSegments(db, workspaceId, undefined, { publish: true, now });
  const website = await ensureCategory(db, workspaceId, 'Website', 'Visitors targeted at the edge, on every request.');
  const service = new SegmentService(db, workspaceId, () => now);
  for (const segment of DEMO_EDGE_SEGMENTS) {
    const created = await service.create({ ...segment, type: 'dynamic', categoryId: website.id });
    await service.publish(created.id);
  }
  const list = await service.create({ slug: 'beta-testers', name: 'Beta testers', type: 'static', description: 'Hand-picked list' });
  await service.publish(list.id);
}
