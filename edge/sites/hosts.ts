/**
 * Host patterns of SITES: an exact hostname (`shop-a.example`) or a leading wildcard
 * (`*.shop-a.example`: any subdomain at any depth, not the apex itself). A host matches its exact
 * entry first, else the longest wildcard that covers it, so `checkout.shop-a.example` listed by one
 * site wins over `*.shop-a.example` listed by another.
 */

/** Lower-case DNS labels (IDNs in punycode), at least two, no port, no trailing dot. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export type HostPattern = { kind: 'exact'; host: string } | { kind: 'wildcard'; suffix: string };

/** The pattern, or the reason it is not one. `raw` is lower-cased first. */
export function parseHostPattern(raw: unknown): { ok: true; pattern: HostPattern } | { ok: false; reason: string } {
  if (typeof raw !== 'string' || raw === '') return { ok: false, reason: 'must be a non-empty string' };
  const text = raw.toLowerCase();
  if (text.startsWith('*.')) {
    const suffix = text.slice(2);
    if (!HOSTNAME.test(suffix)) return { ok: false, reason: `'${raw}' is not '*.' followed by a hostname of at least two labels (like *.shop.example)` };
    return { ok: true, pattern: { kind: 'wildcard', suffix } };
  }
  if (!HOSTNAME.test(text)) return { ok: false, reason: `'${raw}' is not a hostname (lower-case labels, no scheme, port, path or trailing dot; '*.' only as a prefix)` };
  return { ok: true, pattern: { kind: 'exact', host: text } };
}

export const patternText = (p: HostPattern): string => (p.kind === 'exact' ? p.host : `*.${p.suffix}`);

/** True when `host` is `domain` or one of its subdomains. */
export function isUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** Host -> value, by exact host then the longest covering wildcard. */
export class HostTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcards = new Map<string, T>();

  /** False when the same pattern is already taken. */
  add(pattern: HostPattern, value: T): boolean {
    const map = pattern.kind === 'exact' ? this.exact : this.wildcards;
    const key = pattern.kind === 'exact' ? pattern.host : pattern.suffix;
    if (map.has(key)) return false;
    map.set(key, value);
    return true;
  }

  /** The owner of `pattern` as entered, if any. */
  owner(pattern: HostPattern): T | undefined {
    return pattern.kind === 'exact' ? this.exact.get(pattern.host) : this.wildcards.get(pattern.suffix);
  }

  match(hostname: string): T | undefined {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      const found = this.wildcards.get(host.slice(dot + 1));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
