/**
 * Writes leave memberships to the dirty evaluator (api/segments/dirty-evaluator.ts): a test that
 * reads memberships after a write it made through a service drains the dirty queue first, at the
 * instant its writes used (`now`, epoch ms or Date; default the clock), as the API's evaluator would.
 */
import type { Database } from '../../api/db/index.js';
import { evaluateDirty } from '../../api/segments/dirty-evaluator.js';

export async function settleMemberships(db: Database, now?: number | Date): Promise<number> {
  const at = now === undefined ? undefined : typeof now === 'number' ? now : now.getTime();
  let evaluated = 0;
  for (let pass = 0; pass < 10_000; pass++) {
    const result = await evaluateDirty(db, { now: at });
    evaluated += result.evaluated;
    if (result.evaluated === 0 && !result.more) return evaluated;
  }
  throw new Error('the dirty queue did not drain');
}
