/**
 * The client side of the bulk import (scripts/import.ts, bench/import.bench.ts): streams a file to
 * POST /v1/imports/:type under an id it chooses, and polls GET /v1/imports/:id for progress.
 */
import { createReadStream, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

export interface ImportReport {
  id: string;
  status: string;
  linesRead: number;
  accepted: number;
  rejected: number;
  created: number;
  duplicates: number;
  errors: Array<{ line: number; path: string; message: string }>;
  failure: string | null;
}

export type ImportAnswer = ImportReport | { error: { code: string; message: string; problems?: Array<{ path: string; message: string }> } };

export interface SendOptions {
  url: string;
  key: string;
  type: 'profiles' | 'events';
  file: string;
  format: 'ndjson' | 'csv';
  /** Called about every `everyMs` with the committed progress and the bytes sent so far. */
  onProgress?: (progress: ImportReport, sentBytes: number, totalBytes: number) => void;
  everyMs?: number;
}

export async function sendImport(options: SendOptions): Promise<{ status: number; report: ImportAnswer }> {
  const id = randomUUID();
  const base = options.url.replace(/\/+$/, '');
  const totalBytes = statSync(options.file).size;
  let sent = 0;
  const file = createReadStream(options.file, { highWaterMark: 1 << 20 });
  file.on('data', (chunk) => (sent += chunk.length));
  const headers = { authorization: `Bearer ${options.key}` };
  const timer = options.onProgress
    ? setInterval(async () => {
        const response = await fetch(`${base}/v1/imports/${id}`, { headers }).catch(() => null);
        if (response?.ok) options.onProgress!((await response.json()) as ImportReport, sent, totalBytes);
      }, options.everyMs ?? 1_000)
    : undefined;
  try {
    const response = await fetch(`${base}/v1/imports/${options.type}?id=${id}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': options.format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
      body: Readable.toWeb(file) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    return { status: response.status, report: (await response.json()) as ImportAnswer };
  } finally {
    clearInterval(timer);
  }
}
