/**
 * Attribute readings shared by the rules compiled into one query over many profiles (the full
 * recompute, api/segments/recompute.ts; a batch of due or dirty profiles, profile-evaluation.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { profiles } from '../../drizzle/index.js';

/**
 * The attribute readings that the compiled rules share (compileRuleSql's `attributeView`): each
 * distinct one is a column `v<i>` computed once per profile in a subquery aliased as the profiles
 * table (`offset 0` keeps PostgreSQL from substituting the expression back into every condition),
 * instead of once per condition per segment. A date trait is a function call (ae_date_ms) of a few
 * microseconds: at 1M profiles and ten conditions on one, seconds.
 */
export class SharedViews {
  private readonly byKey = new Map<string, { column: string; view: SQL }>();

  readonly view = (key: string, view: SQL): SQL => {
    let found = this.byKey.get(key);
    if (!found) this.byKey.set(key, (found = { column: `v${this.byKey.size}`, view }));
    return sql`${profiles}.${sql.identifier(found.column)}`;
  };

  /** The select-list entries, each preceded by a comma; empty when nothing is shared. */
  columns(): SQL {
    return sql.join([...this.byKey.values()].map((v) => sql`, ${v.view} as ${sql.identifier(v.column)}`));
  }

  /**
   * The profiles that `where` selects with the shared columns, as a relation named `profiles` (call
   * it after compiling the rules: it lists the views they asked for).
   */
  profiles(where: SQL): SQL {
    return sql`(select ${profiles}.*${this.columns()} from ${profiles} where ${where} offset 0) as ${profiles}`;
  }
}
