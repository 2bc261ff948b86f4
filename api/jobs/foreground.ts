/**
 * Requests come first on PGlite. There one database connection serves everything in turn, so a
 * request's statements queue behind a background job's; a long job (an export build) works in
 * slices and, between slices, waits for the requests in flight in this process to finish (at most
 * one more slice, so the job still gets about half the database under a constant stream of
 * requests). The HTTP app counts its requests here; this is process-wide state on purpose: like
 * the event loop, the one embedded database is shared by the whole process.
 */

let active = 0;
let waiters: Array<() => void> = [];

/** Counts a request in flight until the function returned is called (once). */
export function enterForeground(): () => void {
  active++;
  let left = false;
  return () => {
    if (left) return;
    left = true;
    active--;
    if (active === 0) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  };
}

/** Resolves when no request is in flight, or after `maxWaitMs` at the latest. */
export function foregroundIdle(maxWaitMs: number): Promise<void> {
  if (active === 0) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters = waiters.filter((w) => w !== done);
      resolve();
    }, maxWaitMs);
    waiters.push(done);
  });
}
