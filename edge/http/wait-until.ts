import type { Context } from 'hono';

/** `waitUntil` of the request; without an execution context (plain app.fetch) the work just runs. */
export function waitUntilOf(c: Context): (promise: Promise<unknown>) => void {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | null = null;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = null;
  }
  return (promise) => {
    const quiet = promise.catch(() => undefined);
    if (ctx) ctx.waitUntil(quiet);
  };
}
