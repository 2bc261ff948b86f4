import { NotFoundError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id argument as a uuid; anything else names nothing, so it is NOT_FOUND (not a SQL error). */
export function asUuid(id: string, what = 'object'): string {
  if (!UUID.test(id)) throw new NotFoundError(`No ${what} with id ${JSON.stringify(id.slice(0, 64))}`);
  return id.toLowerCase();
}
