/**
 * Hand-written SVG charts (no chart library): a size-history step chart and an overlap heatmap.
 * Pure functions of their data; every text from users (names, slugs) is escaped.
 */
import type { Overlap } from './overlap.service.js';

/** The chart colours (tests look for them in the rendered picture). */
export const CHART_COLOURS = { line: '#2563eb', area: '#dbeafe', grid: '#e5e7eb', text: '#111827', low: '#eff6ff', high: '#1e3a8a', self: '#9ca3af', merge: '#dc2626' } as const;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

const round = (x: number) => Math.round(x * 10) / 10;
const day = (d: Date) => d.toISOString().slice(0, 10);
const svgOpen = (width: number, height: number, title: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">` +
  `<title>${escapeXml(title)}</title><rect width="${width}" height="${height}" fill="#ffffff"/>`;

/** A "nice" upper end for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

/** The size of a segment over time as a step line (a size holds until the next change), up to `now`. */
export function sizeHistorySvg(name: string, points: ReadonlyArray<{ at: Date; size: number }>, now: Date): string {
  const [width, height, left, right, top, bottom] = [720, 360, 64, 24, 48, 40];
  const title = `Size of ${name}`;
  let svg = svgOpen(width, height, title) + `<text x="${left}" y="28" font-size="18" fill="${CHART_COLOURS.text}">${escapeXml(title)}</text>`;
  if (points.length === 0) return `${svg}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="16" fill="${CHART_COLOURS.text}">No size recorded yet</text></svg>`;
  const t0 = points[0]!.at.getTime();
  const t1 = Math.max(now.getTime(), points[points.length - 1]!.at.getTime(), t0 + 86_400_000);
  const yMax = niceMax(Math.max(...points.map((p) => p.size)));
  const x = (t: number) => round(left + ((t - t0) / (t1 - t0)) * (width - left - right));
  const y = (size: number) => round(top + (1 - size / yMax) * (height - top - bottom));
  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4;
    svg += `<line x1="${left}" x2="${width - right}" y1="${y(value)}" y2="${y(value)}" stroke="${CHART_COLOURS.grid}"/>`;
    svg += `<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end" font-size="12" fill="${CHART_COLOURS.text}">${Number.isInteger(value) ? value : value.toFixed(1)}</text>`;
  }
  let path = `M${x(t0)},${y(points[0]!.size)}`;
  for (const p of points.slice(1)) path += ` H${x(p.at.getTime())} V${y(p.size)}`;
  path += ` H${x(t1)}`;
  svg += `<path d="${path} V${y(0)} H${x(t0)} Z" fill="${CHART_COLOURS.area}"/>`;
  svg += `<path d="${path}" fill="none" stroke="${CHART_COLOURS.line}" stroke-width="3" stroke-linejoin="round"/>`;
  svg += `<text x="${left}" y="${height - 12}" font-size="12" fill="${CHART_COLOURS.text}">${day(new Date(t0))}</text>`;
  svg += `<text x="${width - right}" y="${height - 12}" text-anchor="end" font-size="12" fill="${CHART_COLOURS.text}">${day(new Date(t1))}</text>`;
  return `${svg}</svg>`;
}

/** Blends the low and high colours: Jaccard 0 is the palest, 1 the darkest. */
export function heatColour(jaccard: number): string {
  const hex = (c: string, i: number) => parseInt(c.slice(1 + 2 * i, 3 + 2 * i), 16);
  const t = Math.min(1, Math.max(0, jaccard));
  const channel = (i: number) => Math.round(hex(CHART_COLOURS.low, i) + (hex(CHART_COLOURS.high, i) - hex(CHART_COLOURS.low, i)) * t);
  return `#${[0, 1, 2].map((i) => channel(i).toString(16).padStart(2, '0')).join('')}`;
}

/** The overlap matrix as a heatmap of Jaccard indexes; the diagonal shows sizes, merge candidates are outlined. */
export function overlapHeatmapSvg(overlap: Overlap): string {
  const n = overlap.segments.length;
  const [cell, labelWidth, top] = [48, 200, 72];
  const width = labelWidth + n * cell + 24;
  const height = top + n * cell + 56;
  const index = new Map(overlap.segments.map((s, i) => [s.segment.id, i]));
  let svg = svgOpen(width, height, 'Segment overlap (Jaccard index)');
  svg += `<text x="16" y="28" font-size="18" fill="${CHART_COLOURS.text}">Segment overlap (Jaccard index)</text>`;
  overlap.segments.forEach((s, i) => {
    const label = `${i + 1}. ${s.segment.slug.length > 22 ? `${s.segment.slug.slice(0, 21)}…` : s.segment.slug}`;
    svg += `<text x="${labelWidth - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="12" fill="${CHART_COLOURS.text}">${escapeXml(label)}</text>`;
    svg += `<text x="${labelWidth + i * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="12" fill="${CHART_COLOURS.text}">${i + 1}</text>`;
    svg += `<rect x="${labelWidth + i * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${CHART_COLOURS.self}"/>`;
    svg += `<text x="${labelWidth + i * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="#ffffff">${s.size}</text>`;
  });
  for (const p of overlap.pairs) {
    const [i, j] = [index.get(p.a.id)!, index.get(p.b.id)!];
    const text = `${Math.round(p.jaccard * 100)}%`;
    const ink = p.jaccard > 0.5 ? '#ffffff' : CHART_COLOURS.text;
    const outline = p.shouldMerge ? ` stroke="${CHART_COLOURS.merge}" stroke-width="3"` : '';
    for (const [row, col] of [[i, j], [j, i]] as const) {
      svg += `<rect x="${labelWidth + col * cell}" y="${top + row * cell}" width="${cell - 2}" height="${cell - 2}" fill="${heatColour(p.jaccard)}"${outline}><title>${escapeXml(`${p.a.slug} / ${p.b.slug}: ${p.explanation}`)}</title></rect>`;
      svg += `<text x="${labelWidth + col * cell + cell / 2 - 1}" y="${top + row * cell + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="${ink}">${text}</text>`;
    }
  }
  const legendY = top + n * cell + 20;
  svg += `<defs><linearGradient id="jaccard"><stop offset="0" stop-color="${CHART_COLOURS.low}"/><stop offset="1" stop-color="${CHART_COLOURS.high}"/></linearGradient></defs>`;
  svg += `<text x="${labelWidth - 8}" y="${legendY + 12}" text-anchor="end" font-size="12" fill="${CHART_COLOURS.text}">0</text>`;
  svg += `<rect x="${labelWidth}" y="${legendY}" width="${Math.max(cell * 2, n * cell - 2)}" height="16" fill="url(#jaccard)"/>`;
  svg += `<text x="${labelWidth + Math.max(cell * 2, n * cell - 2) + 4}" y="${legendY + 12}" font-size="12" fill="${CHART_COLOURS.text}">1</text>`;
  return `${svg}</svg>`;
}
