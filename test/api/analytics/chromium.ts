/**
 * Renders an SVG in headless Chromium (Debian's /usr/bin/chromium, which .ci/run installs) and
 * returns the screenshot. The SVG goes in as an <img> data URL: Chromium only draws an image that
 * is well-formed XML, so a picture at all proves the markup parses.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodePng, type Image } from './png.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function renderSvg(svg: string, width: number, height: number): Promise<Image> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'ae-chart-'));
  try {
    const page = join(dir, 'page.html');
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await writeFile(page, `<!doctype html><html><body style="margin:0;background:#ffffff"><img src="${src}" width="${width}" height="${height}"></body></html>`);
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
    const shot = join(dir, 'shot.png');
    await promisify(execFile)(
      CHROMIUM,
      [...flags, `--user-data-dir=${join(dir, 'profile')}`, '--hide-scrollbars', '--force-device-scale-factor=1', `--window-size=${width},${height}`, `--screenshot=${shot}`, `file://${page}`],
      { timeout: 60_000 },
    );
    return decodePng(await readFile(shot));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
