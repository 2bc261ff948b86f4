/**
 * `npm run import -- --type profiles|events --file customers.csv [--url http://127.0.0.1:4000]
 * [--key ae_...] [--format ndjson|csv]`: sends a file to the API's bulk import (POST
 * /v1/imports/:type), streamed from disk, printing progress every second (GET /v1/imports/:id of the
 * id it chose) and at the end the summary and the line errors. The key may come from AE_API_KEY
 * instead of --key; the format from the file's extension (.csv, else NDJSON). Exit code 0 when every
 * line was accepted, 1 when some were rejected, 2 when the import failed.
 */
import { parseArgs } from 'node:util';
import { sendImport, type ImportReport } from './import-client.js';

const { values } = parseArgs({
  options: {
    type: { type: 'string' },
    file: { type: 'string' },
    url: { type: 'string', default: process.env.AE_API_URL ?? 'http://127.0.0.1:4000' },
    key: { type: 'string', default: process.env.AE_API_KEY },
    format: { type: 'string' },
  },
});

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run import -- --type profiles|events --file <path> [--url http://127.0.0.1:4000] [--key ae_... | AE_API_KEY=...] [--format ndjson|csv]`);
  process.exit(2);
}

if (values.type !== 'profiles' && values.type !== 'events') usage('--type must be profiles or events');
if (!values.file) usage('--file is required');
if (!values.key) usage('an API key is required: --key or AE_API_KEY');
const format = values.format ?? (values.file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
if (format !== 'csv' && format !== 'ndjson') usage('--format must be ndjson or csv');

const line = (r: Pick<ImportReport, 'linesRead' | 'accepted' | 'rejected'>) => `${r.linesRead.toLocaleString('en')} lines read, ${r.accepted.toLocaleString('en')} accepted, ${r.rejected.toLocaleString('en')} rejected`;
try {
  const { status, report } = await sendImport({
    url: values.url!,
    key: values.key,
    type: values.type,
    file: values.file,
    format,
    onProgress: (p, sentBytes, totalBytes) => console.log(`${((100 * sentBytes) / Math.max(totalBytes, 1)).toFixed(0)}% sent; ${line(p)}`),
  });
  if ('error' in report) {
    console.error(`Import refused (${status}): ${report.error.message}`);
    for (const p of report.error.problems ?? []) console.error(`  ${p.path}: ${p.message}`);
    process.exit(2);
  }
  console.log(`Import ${report.id} ${report.status}: ${line(report)}; ${report.created} profiles created, ${report.duplicates} duplicate events`);
  for (const e of report.errors) console.log(`  line ${e.line}${e.path ? ` ${e.path}` : ''}: ${e.message}`);
  if (report.rejected > report.errors.length) console.log(`  (the first ${report.errors.length} errors are shown)`);
  process.exit(report.rejected > 0 ? 1 : 0);
} catch (error) {
  console.error(`Import failed: ${(error as Error).message}`);
  process.exit(2);
}
