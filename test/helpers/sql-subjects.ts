/**
 * Stores evaluation subjects (a StoredProfile plus its events) in a test workspace and evaluates a
 * rule over them with the SQL profile evaluator, so tests can compare SQL with the reference.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../api/db/index.js';
import { compileRuleSql, type ReferencedSegment } from '../../api/segments/rule-sql.js';
import { events, profiles, workspaces } from '../../drizzle/index.js';
import type { EventRecord } from '../../schema/context.js';
import type { StoredProfile } from '../../schema/profile.js';
import type { RuleNode } from '../../schema/rule.js';

export interface Subject {
  profile: StoredProfile;
  events: readonly EventRecord[];
}

export async function createWorkspace(db: Database, name = 'sql-tests'): Promise<string> {
  const [row] = await db.insert(workspaces).values({ name }).returning({ id: workspaces.id });
  return row!.id;
}

/** Inserts the subjects; returns their profile ids in order. */
export async function storeSubjects(db: Database, workspaceId: string, subjects: readonly Subject[]): Promise<string[]> {
  const ids: string[] = [];
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  for (let start = 0; start < subjects.length; start += 200) {
    const chunk = subjects.slice(start, start + 200);
    const rows = await db
      .insert(profiles)
      .values(
        chunk.map(({ profile: p }, i) => ({
          workspaceId,
          externalId: `subject-${start + i}-${Math.random().toString(36).slice(2)}`,
          email: p.email,
          phone: p.phone,
          consentEmail: p.consentEmail,
          consentSms: p.consentSms,
          traits: p.traits as Record<string, unknown>,
          purchaseCount: p.purchaseCount,
          purchaseTotal: p.purchaseTotal,
          firstPurchaseAt: date(p.firstPurchaseAt),
          lastPurchaseAt: date(p.lastPurchaseAt),
          avgIntervalDays: p.avgIntervalDays,
          createdAt: new Date(p.createdAt),
          country: p.address?.country ?? null,
          region: p.address?.region ?? null,
          city: p.address?.city ?? null,
          postalCode: p.address?.postalCode ?? null,
          seenCountry: p.seenGeo?.country ?? null,
          seenRegion: p.seenGeo?.region ?? null,
          seenCity: p.seenGeo?.city ?? null,
          seenPostalCode: p.seenGeo?.postalCode ?? null,
          seenContinent: p.seenGeo?.continent ?? null,
          seenTimezone: p.seenGeo?.timezone ?? null,
        })),
      )
      .returning({ id: profiles.id });
    ids.push(...rows.map((r) => r.id));
  }
  const eventRows = subjects.flatMap((s, i) =>
    s.events.map((e, k) => ({
      workspaceId,
      eventId: `${ids[i]}-${k}`,
      profileId: ids[i] as string,
      name: e.name,
      properties: e.properties as Record<string, unknown>,
      occurredAt: new Date(e.at),
    })),
  );
  for (let start = 0; start < eventRows.length; start += 500) await db.insert(events).values(eventRows.slice(start, start + 500));
  return ids;
}

/** The ids, among `profileIds`, of the profiles that satisfy `rule` in SQL at `now`. */
export async function matchingInSql(
  db: Database,
  workspaceId: string,
  profileIds: readonly string[],
  rule: RuleNode,
  now: number,
  segment: (slug: string) => ReferencedSegment | undefined = () => undefined,
): Promise<Set<string>> {
  const rows = await db
    .select({ id: profiles.id })
    .from(profiles)
    .where(and(eq(profiles.workspaceId, workspaceId), inArray(profiles.id, [...profileIds]), compileRuleSql(rule, { now, segment })));
  return new Set(rows.map((r) => r.id));
}
