/**
 * Keeps a lost database connection from costing more than the query in flight (node-postgres and
 * Neon pools, which share pg-pool's behaviour).
 *
 * A connection that dies (server restart, failover, `pg_terminate_backend`) emits 'error': on the
 * pool while the client is idle, on the client itself while it is checked out (a transaction). An
 * 'error' nobody listens to kills the process, so every client gets a listener for its whole life.
 * And a checked-out client whose connection died is released with that error at once, which
 * removes it from the pool: drizzle's transaction never releases a client whose `begin` failed,
 * so without this each such failure would keep a pool slot forever, until every request waits.
 */

interface PoolClientLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  release(error?: Error | boolean): void;
}

interface PoolLike<C extends PoolClientLike> {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'connect', listener: (client: C) => void): unknown;
  connect(): Promise<C>;
}

export function guardConnections<C extends PoolClientLike>(pool: PoolLike<C>, name: string): void {
  const log = (error: Error) => console.error(`${name} connection lost: ${error.message}`);
  pool.on('error', log);
  pool.on('connect', (client) => client.on('error', log));
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<C> | undefined;
  // pool.query checks out with a callback and already releases on 'error': left as it is.
  pool.connect = ((callback?: unknown) => (callback === undefined ? (connect() as Promise<C>).then(guardCheckout) : connect(callback))) as PoolLike<C>['connect'];
}

/** Releases `client` with its error as soon as its connection dies; later releases do nothing. */
function guardCheckout<C extends PoolClientLike>(client: C): C {
  const release = client.release.bind(client);
  let released = false;
  const done = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    client.removeListener('error', onError);
    release(error);
  };
  const onError = (error: Error) => done(error);
  client.on('error', onError);
  client.release = done;
  return client;
}
