/**
 * Glob translation and the one construct neither GrowthBook nor (idiomatically) json-logic-js can
 * express: "at least N matching page views in the last D days". GrowthBook's `$elemMatch` only says
 * "at least one"; counting needs this helper, which both competitors read through the same lazy
 * getters (`counts.c<k>`), so each count is computed when, and every time, a rule reads it.
 */
import type { ConditionNode, EventNode } from '../schema/rule.js';
import { DAY_MS } from '../schema/rule.js';
import type { FlatContext, FlatView } from './rules-contexts.js';

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

export function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&');
}

/** A glob of the rule language as an anchored regular expression source (`**` any run, `*` no `/`, `?` one non-`/`). */
export function globToRegex(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[\\s\\S]*';
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += escapeRegex(ch);
  }
  return `${out}$`;
}

/** The regular expression a string condition (`matches`, `contains`, `startsWith`, `endsWith`) becomes. */
export function stringOpToRegex(node: ConditionNode): string {
  const value = node.value.kind === 'scalar' ? node.value.value : undefined;
  if (typeof value !== 'string') throw new Error(`${node.op} on ${node.attr} needs a string value`);
  switch (node.op) {
    case 'matches':
      return globToRegex(value);
    case 'contains':
      return escapeRegex(value);
    case 'startsWith':
      return `^${escapeRegex(value)}`;
    case 'endsWith':
      return `${escapeRegex(value)}$`;
    default:
      throw new Error(`${node.op} is not a string pattern operator`);
  }
}

/** The window of an event rule as absolute instants (the bench evaluates every request at one `now`). */
export function eventWindow(node: EventNode, now: number): { from: number; to: number } {
  return { from: node.inLastDays === null ? Number.NEGATIVE_INFINITY : now - node.inLastDays * DAY_MS, to: now };
}

interface CountSpec {
  patterns: readonly RegExp[];
  from: number;
  to: number;
}

function countViews(views: readonly FlatView[], spec: CountSpec): number {
  let n = 0;
  for (const view of views) {
    if (view.at < spec.from || view.at > spec.to || typeof view.path !== 'string') continue;
    let ok = true;
    for (const pattern of spec.patterns) ok &&= pattern.test(view.path);
    if (ok) n++;
  }
  return n;
}

/** Hands out one `counts.c<k>` attribute per distinct (where, window) of the rules translated. */
export class CountAttributes {
  private readonly keys = new Map<string, string>();
  private readonly proto: Record<string, unknown> = Object.create(null);

  /** The dotted attribute name that holds the count of views matching `node` (page_view, `where` on `path` only). */
  attributeFor(node: EventNode, now: number): string {
    const sources = node.where.map((condition) => {
      if (condition.attr !== 'path') throw new Error(`counting page views by ${condition.attr} is not supported by the bench`);
      return stringOpToRegex(condition);
    });
    const { from, to } = eventWindow(node, now);
    const id = JSON.stringify([sources, from, to]);
    let key = this.keys.get(id);
    if (key === undefined) {
      key = `c${this.keys.size}`;
      this.keys.set(id, key);
      const spec: CountSpec = { patterns: sources.map((source) => new RegExp(source)), from, to };
      Object.defineProperty(this.proto, key, {
        get(this: { views: readonly FlatView[] }) {
          return countViews(this.views, spec);
        },
        enumerable: true,
      });
    }
    return `counts.${key}`;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Gives `flat` its `counts` object: getters on a shared prototype, nothing computed up front. */
  attach(flat: FlatContext): void {
    const counts: { views: readonly FlatView[] } = Object.create(this.proto);
    counts.views = flat.views;
    flat['counts'] = counts;
  }
}
