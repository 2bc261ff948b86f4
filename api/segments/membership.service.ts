/**
 * Materialised membership of published dynamic segments: who is in, since when.
 * - `refreshSegment`: recompute one segment in SQL (on publish, and periodically for time windows).
 * - `refreshProfiles`: re-evaluate changed profiles against every published dynamic segment of the
 *   workspace in one query (on profile upserts and new events).
 * Both record a point of size history when the size changed.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { profiles, segmentMembers, segmentSizeHistory } from '../../drizzle/index.js';
import { compileRuleSql } from './rule-sql.js';
import { loadPublishedDefinitions, type PublishedDefinitions } from './definitions.js';
import type { RuleNode } from '../../schema/rule.js';

/** Recomputes the membership of one published dynamic segment; returns its new size. */
export async function refreshSegment(db: Database, workspaceId: string, segmentId: string, now = Date.now()): Promise<number> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const target = definitions.byId.get(segmentId);
  if (!target) return countMembers(db, segmentId);
  if (target.type === 'static') {
    const size = await countMembers(db, segmentId);
    await recordSize(db, workspaceId, segmentId, size, now);
    return size;
  }
  const predicate = compileRuleSql(target.rule, { now, segment: (slug) => definitions.bySlug.get(slug) });
  return db.transaction(async (tx) => {
    await tx.execute(sql`
      delete from ${segmentMembers} m
      where m.segment_id = ${segmentId}
        and not exists (select 1 from ${profiles} where ${profiles.id} = m.profile_id and ${predicate})`);
    await tx.execute(sql`
      insert into ${segmentMembers} (segment_id, profile_id, workspace_id, joined_at)
      select ${segmentId}, ${profiles.id}, ${profiles.workspaceId}, ${new Date(now).toISOString()}::timestamptz
      from ${profiles}
      where ${profiles.workspaceId} = ${workspaceId} and ${predicate}
      on conflict do nothing`);
    const size = await countMembers(tx, segmentId);
    await recordSize(tx, workspaceId, segmentId, size, now);
    return size;
  });
}

/**
 * Recomputes a segment and then every published dynamic segment that references it, directly or
 * through others, in dependency order (their members follow from its members).
 */
export async function refreshWithDependents(db: Database, workspaceId: string, segment: { id: string; slug: string }, now = Date.now()): Promise<void> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const dynamic = [...definitions.byId.values()].filter((d) => d.type === 'dynamic');
  const refs = new Map(dynamic.map((d) => [d.slug, new Set(referencesOf(d.rule))]));
  // Every segment that depends on the start, transitively.
  const start = segment.slug;
  const affected = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const slug = queue.shift() as string;
    for (const d of dynamic) {
      if (!affected.has(d.slug) && d.slug !== start && refs.get(d.slug)?.has(slug)) {
        affected.add(d.slug);
        queue.push(d.slug);
      }
    }
  }
  await refreshSegment(db, workspaceId, segment.id, now);
  // Dependency order: a segment after every affected segment it references.
  const done = new Set<string>();
  while (done.size < affected.size) {
    const ready = [...affected].filter((slug) => !done.has(slug) && [...(refs.get(slug) ?? [])].every((r) => !affected.has(r) || done.has(r)));
    if (ready.length === 0) break; // a cycle cannot be saved; stop rather than loop
    for (const slug of ready) {
      await refreshSegment(db, workspaceId, (definitions.bySlug.get(slug) as { id: string }).id, now);
      done.add(slug);
    }
  }
}

function referencesOf(rule: RuleNode, into: string[] = []): string[] {
  if (rule.kind === 'segment') into.push(rule.slug);
  else if (rule.kind === 'all' || rule.kind === 'any') for (const r of rule.rules) referencesOf(r, into);
  else if (rule.kind === 'not') referencesOf(rule.rule, into);
  return into;
}

/** Recomputes every published dynamic segment of a workspace (time windows move on by themselves). */
export async function refreshWorkspace(db: Database, workspaceId: string, now = Date.now()): Promise<Map<string, number>> {
  const definitions = await loadPublishedDefinitions(db, workspaceId);
  const sizes = new Map<string, number>();
  for (const def of definitions.byId.values()) {
    if (def.type === 'dynamic') sizes.set(def.id, await refreshSegment(db, workspaceId, def.id, now));
  }
  return sizes;
}

/**
 * Re-evaluates `profileIds` against every published dynamic segment of the workspace in one
 * query, then applies the differences. Returns how many memberships were added and removed.
 */
export async function refreshProfiles(
  db: Database,
  workspaceId: string,
  profileIds: readonly string[],
  now = Date.now(),
  definitions?: PublishedDefinitions,
): Promise<{ added: number; removed: number }> {
  if (profileIds.length === 0) return { added: 0, removed: 0 };
  const defs = definitions ?? (await loadPublishedDefinitions(db, workspaceId));
  const dynamic = [...defs.byId.values()].filter((d) => d.type === 'dynamic');
  if (dynamic.length === 0) return { added: 0, removed: 0 };
  const env = { now, segment: (slug: string) => defs.bySlug.get(slug) };
  const columns: SQL[] = dynamic.map((d, i) => sql`${compileRuleSql(d.rule, env)} as ${sql.identifier(`s${i}`)}`);
  const ids = [...new Set(profileIds)];
  const result = await db.execute(sql`
    select ${profiles.id} as id, ${sql.join(columns, sql`, `)}
    from ${profiles}
    where ${profiles.workspaceId} = ${workspaceId} and ${profiles.id} in ${ids}`);
  const shouldBe = new Set<string>();
  for (const row of result.rows as Array<Record<string, unknown>>) {
    dynamic.forEach((d, i) => {
      if (row[`s${i}`] === true) shouldBe.add(`${d.id}|${row.id as string}`);
    });
  }
  const segmentIds = dynamic.map((d) => d.id);
  return db.transaction(async (tx) => {
    const current = await tx
      .select({ segmentId: segmentMembers.segmentId, profileId: segmentMembers.profileId })
      .from(segmentMembers)
      .where(and(inArray(segmentMembers.profileId, ids), inArray(segmentMembers.segmentId, segmentIds)));
    const is = new Set(current.map((m) => `${m.segmentId}|${m.profileId}`));
    const toAdd = [...shouldBe].filter((k) => !is.has(k));
    const toRemove = [...is].filter((k) => !shouldBe.has(k));
    const joinedAt = new Date(now);
    if (toAdd.length > 0) {
      await tx
        .insert(segmentMembers)
        .values(toAdd.map((k) => {
          const [segmentId, profileId] = k.split('|') as [string, string];
          return { segmentId, profileId, workspaceId, joinedAt };
        }))
        .onConflictDoNothing();
    }
    for (const k of toRemove) {
      const [segmentId, profileId] = k.split('|') as [string, string];
      await tx.delete(segmentMembers).where(and(eq(segmentMembers.segmentId, segmentId), eq(segmentMembers.profileId, profileId)));
    }
    const touched = new Set([...toAdd, ...toRemove].map((k) => k.split('|')[0] as string));
    for (const segmentId of touched) await recordSize(tx, workspaceId, segmentId, await countMembers(tx, segmentId), now);
    return { added: toAdd.length, removed: toRemove.length };
  });
}

async function countMembers(db: Database, segmentId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(segmentMembers)
    .where(eq(segmentMembers.segmentId, segmentId));
  return row?.n ?? 0;
}

/** Appends a size point unless the last recorded size is the same. */
export async function recordSize(db: Database, workspaceId: string, segmentId: string, size: number, now: number): Promise<void> {
  await db.execute(sql`
    insert into ${segmentSizeHistory} (segment_id, workspace_id, at, size)
    select ${segmentId}, ${workspaceId}, ${new Date(now).toISOString()}::timestamptz, ${size}::int
    where coalesce((select h.size from ${segmentSizeHistory} h where h.segment_id = ${segmentId} order by h.at desc, h.seq desc limit 1), -1) <> ${size}::int`);
}
