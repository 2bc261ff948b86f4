/**
 * Reports page views (with the tags they were given) to `POST /v1/edge/events` in batches, after
 * the response: the request that opens a batch waits `batchMs` (inside waitUntil) for others to
 * join, then sends it. Each event has a unique id, so the API's idempotency makes a retried batch
 * harmless. Failures are dropped: reporting never affects a response.
 */
import type { ApiClient } from './api-client.js';

export interface EdgeEvent {
  id: string;
  visitorId: string;
  profileExternalId?: string;
  name: 'page_view';
  occurredAt: string;
  properties: { path: string; host: string; url: string; referrer?: string };
  tags: string[];
}

export interface ReporterOptions {
  batchMs: number;
  /** A batch is sent at once when it reaches this many events. */
  maxBatch?: number;
  /** Events beyond this many waiting (an API that is down) are dropped, oldest first. */
  maxQueued?: number;
  timeoutMs?: number;
}

export class EventReporter {
  private queue: EdgeEvent[] = [];
  private scheduled = false;
  /** Events the API did not take (network error, timeout, non-2xx), for diagnostics. */
  dropped = 0;

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
    while (client && this.queue.length > 0) {
      const events = this.queue.splice(0, maxBatch);
      try {
        await client.call(
          '/v1/edge/events',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) },
          this.options.timeoutMs ?? 5000,
          async (response) => {
            await response.body?.cancel();
            if (!response.ok) throw new Error(`events endpoint answered ${response.status}`);
          },
        );
      } catch {
        this.dropped += events.length;
      }
    }
  }
}
