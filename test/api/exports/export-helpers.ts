/** Helpers of the export tests: requesting an export over GraphQL, waiting for it, reading its file. */
import { expect } from 'vitest';
import { dataOf, type TestApi } from '../harness.js';

export const EXPORT_FIELDS = 'id segmentId destination format mode status progress rowsDone rowsTotal rowCount skippedRows skipped { reason count } previousExportId error downloadUrl createdAt finishedAt';

export interface ExportView {
  id: string;
  segmentId: string;
  destination: string;
  format: string;
  mode: string;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  progress: number;
  rowsDone: number;
  rowsTotal: number;
  rowCount: number;
  skippedRows: number;
  skipped: Array<{ reason: string; count: number }>;
  previousExportId: string | null;
  error: string | null;
  downloadUrl: string;
  createdAt: string;
  finishedAt: string | null;
}

export async function requestExport(api: TestApi, key: string, segmentId: string, destination: string, format: string, mode: string): Promise<ExportView> {
  const result = await api.gql<{ createAudienceExport: ExportView }>(
    `mutation($s: ID!, $d: ExportDestination!, $f: ExportFormat!, $m: ExportMode!) { createAudienceExport(segmentId: $s, destination: $d, format: $f, mode: $m) { ${EXPORT_FIELDS} } }`,
    { s: segmentId, d: destination, f: format, m: mode },
    key,
  );
  return dataOf(result).createAudienceExport;
}

export async function readExport(api: TestApi, key: string, id: string): Promise<ExportView> {
  return dataOf(await api.gql<{ audienceExport: ExportView }>(`query($id: ID!) { audienceExport(id: $id) { ${EXPORT_FIELDS} } }`, { id }, key)).audienceExport;
}

/** Polls until the export is done or failed; `seen` collects the progress values observed. */
export async function waitForExport(api: TestApi, key: string, id: string, seen: number[] = [], timeoutMs = 60_000): Promise<ExportView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await readExport(api, key, id);
    seen.push(view.progress);
    if (view.status === 'DONE' || view.status === 'FAILED') return view;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${view.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** Requests an export, waits for it and downloads its file as text. */
export async function exportFile(api: TestApi, key: string, segmentId: string, destination: string, format: string, mode: string) {
  const created = await requestExport(api, key, segmentId, destination, format, mode);
  const done = await waitForExport(api, key, created.id);
  expect(done.status).toBe('DONE');
  const response = await api.fetch(done.downloadUrl, { key });
  expect(response.status).toBe(200);
  return { view: done, response, text: await response.text() };
}

/** A CSV file as records of cells (the files' cells hold no quotes, commas or line breaks). */
export function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n') || text === '').toBe(true);
  return text
    .split('\r\n')
    .slice(0, -1)
    .map((line) => line.split(','));
}

export const parseJsonl = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
