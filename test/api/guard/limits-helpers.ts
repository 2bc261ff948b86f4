/** Shared by the limit tests: previews as aliases, and workspaces of many profiles written in one statement. */
import { sql } from 'drizzle-orm';
import type { Database } from '../../../api/db/index.js';
import { FIELD_COSTS } from '../../../api/graphql/costs.js';
import { MAX_QUERY_COMPLEXITY } from '../../../api/graphql/limits.js';
import { createTestWorkspace, dataOf, type TestApi, type TestWorkspace } from '../harness.js';

/** The most previews one request may hold: the budget over the cost of one. */
export const MAX_PREVIEWS = Math.floor(MAX_QUERY_COMPLEXITY / FIELD_COSTS['Query.previewSegment']!);
export const previews = (n: number) => `query($r: JSON!) { ${Array.from({ length: n }, (_, i) => `p${i}: previewSegment(rule: $r) { size }`).join(' ')} }`;

/** A workspace with `count` profiles (a third on plan "pro"), written in one statement. */
export async function seedProfiles(db: Database, api: TestApi, count: number, name: string): Promise<TestWorkspace> {
  const ws = await createTestWorkspace(db, name);
  dataOf(await api.gql('mutation { defineTrait(name: "plan", type: STRING) { id } }', {}, ws.keys.admin));
  await db.execute(sql`insert into profiles (workspace_id, external_id, traits)
    select ${ws.workspaceId}::uuid, 'p-' || g, jsonb_build_object('plan', case when g % 3 = 0 then 'pro' else 'free' end)
    from generate_series(1, ${count}) g`);
  await db.execute(sql`analyze profiles`);
  return ws;
}

