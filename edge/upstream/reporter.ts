/**
 * Reports page views (with the tags they were given) to `POST /v1/edge/events` in batches, after
 * the response: the request that opens a batch waits `batchMs` (inside waitUntil) for others to
 * join, then sends it. Each event has a unique id, so the API's idempotency makes a retried batch
 * harmless: a batch the API did not take for a passing reason (network error, timeout, 5xx, 429)
 * is sent again, at most `maxAttempts` times with doubling delays, then dropped. Other answers are
 * final: 4xx drops the batch, and the items a 207 names as `rejected` (values the API cannot store;
 * the Worker cleans its reports so this should not happen) are counted. Reporting never affects a
 * response.
 */
import type { ApiClient } from './api-client.js';
import type { EdgeDevice, EdgeGeo } from '../../schema/context.js';

export interface EdgeEvent {
  id: string;
  visitorId: string;
  profileExternalId?: string;
  name: 'page_view';
  occurredAt: string;
  properties: { path: string; host: string; url: string; referrer?: string };
  tags: string[];
  /** The request's geography (kept with the page view; for an identified visitor also the person's last seen place). */
  geo?: EdgeGeo;
  /** The request's device as the edge classified it (kept with the page view). */
  device?: EdgeDevice;
}

export interface ReporterOptions {
  batchMs: number;
  /** A batch is sent at once when it reaches this many events. */
  maxBatch?: number;
  /** Events beyond this many waiting (an API that is down) are dropped, oldest first. */
  maxQueued?: number;
  timeoutMs?: number;
  /** Sends of one batch, the first included (3). */
  maxAttempts?: number;
  /** The wait before the first resend, doubled for each next one (500 ms). */
  retryDelayMs?: number;
}

type SendOutcome = 'sent' | 'retry' | 'final';

export class EventReporter {
  private queue: EdgeEvent[] = [];
  private scheduled = false;
  /** Events the API did not take (network error, timeout, non-2xx after the retries), for diagnostics. */
  dropped = 0;
  /** Events the API answered as rejected (207), for diagnostics. */
  rejected = 0;
  private warned = false;

  constructor(
    private readonly client: ApiClient | null,
    private readonly options: ReporterOptions,
  ) {}

  report(event: EdgeEvent, waitUntil: (promise: Promise<unknown>) => void): void {
    if (!this.client) return;
    this.queue.push(event);
    const maxQueued = this.options.maxQueued ?? 1000;
    if (this.queue.length > maxQueued) {
      this.dropped += this.queue.length - maxQueued;
      this.queue.splice(0, this.queue.length - maxQueued);
    }
    if (this.queue.length >= (this.options.maxBatch ?? 100)) {
      waitUntil(this.flush());
    } else if (!this.scheduled) {
      this.scheduled = true;
      waitUntil(this.flushLater());
    }
  }

  private async flushLater(): Promise<void> {
    if (this.options.batchMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.batchMs));
    this.scheduled = false;
    await this.flush();
  }

  /** Sends everything queued now. */
  async flush(): Promise<void> {
    const client = this.client;
    const maxBatch = this.options.maxBatch ?? 100;
    const maxAttempts = this.options.maxAttempts ?? 3;
    while (client && this.queue.length > 0) {
      const events = this.queue.splice(0, maxBatch);
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.send(client, events);
        if (outcome === 'sent') break;
        if (outcome === 'final' || attempt >= maxAttempts) {
          this.dropped += events.length;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1)));
      }
    }
  }

  private async send(client: ApiClient, events: EdgeEvent[]): Promise<SendOutcome> {
    try {
      return await client.call(
        '/v1/edge/events',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) },
        this.options.timeoutMs ?? 5000,
        async (response) => {
          if (response.status === 207) {
            const body = (await response.json().catch(() => null)) as { rejected?: unknown } | null;
            const rejected = Array.isArray(body?.rejected) ? body.rejected : [];
            this.rejected += rejected.length;
            if (rejected.length > 0 && !this.warned) {
              this.warned = true; // once per isolate: the cause is a bug, not traffic
              console.warn('edge: the API rejected reported page views', JSON.stringify(rejected.slice(0, 3)));
            }
            return 'sent';
          }
          await response.body?.cancel();
          if (response.ok) return 'sent';
          return response.status >= 500 || response.status === 429 ? 'retry' : 'final';
        },
      );
    } catch {
      return 'retry'; // network error or timeout
    }
  }
}
