/**
 * `SITES`: several sites served by one Worker, each with its own edge key (so its own workspace and
 * ruleset), cookie secret, identify secret, allowed origins and optional cookie domain. A JSON array
 * (a string, or an array when wrangler.toml's [vars] gives one):
 *   [{ "workspace": "shop-a", "hosts": ["shop-a.example", "*.shop-a.example"],
 *      "secrets": { "edgeKey": "SHOP_A_EDGE_KEY", "cookie": "SHOP_A_COOKIE_SECRET", "identify": "SHOP_A_IDENTIFY_SECRET" },
 *      "allowedOrigins": ["https://shop-a.example"], "cookieDomain": "shop-a.example" }]
 * `secrets` holds the NAMES of other Worker secrets, never values, so SITES can be a plain var.
 * Validation is strict: one mistake refuses the whole configuration (the Worker then serves no
 * site), with every problem named by site and field. Unset (or blank), the single-site variables
 * apply as before.
 */
import { isPlaceholderSecret, MIN_SECRET_LENGTH, normalizeOrigin, type Env } from '../config.js';
import { HostTable, isUnder, parseHostPattern, patternText, type HostPattern } from './hosts.js';

export interface SiteSettings {
  /** The workspace label: names the site in logs and errors, and scopes its cookie's signature. */
  label: string;
  hosts: readonly HostPattern[];
  edgeKey: string;
  cookieSecret: string;
  identifySecret: string | null;
  allowedOrigins: ReadonlySet<string>;
  /** `Domain=` of the visitor cookie, for hosts under it; null: host-only cookies. */
  cookieDomain: string | null;
  /** Proxy mode origin of this site; null: the Worker's ORIGIN_URL, if any. */
  originUrl: URL | null;
}

export type SitesResult = { ok: true; sites: SiteSettings[] | null } | { ok: false; errors: string[] };

const LABEL = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const FIELDS = ['workspace', 'hosts', 'secrets', 'allowedOrigins', 'cookieDomain', 'originUrl'];
const SECRET_FIELDS = ['edgeKey', 'cookie', 'identify'] as const;
type SecretField = (typeof SECRET_FIELDS)[number];
const MAX_SITES = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readSitesValue(raw: unknown): { ok: true; value: unknown[] | null } | { ok: false; error: string } {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { ok: true, value: null };
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return { ok: false, error: `SITES is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` };
    }
  }
  if (!Array.isArray(value)) return { ok: false, error: 'SITES must be a JSON array of sites' };
  if (value.length === 0) return { ok: false, error: 'SITES is an empty array: list at least one site, or leave SITES unset for one site' };
  if (value.length > MAX_SITES) return { ok: false, error: `SITES lists ${value.length} sites; at most ${MAX_SITES}` };
  return { ok: true, value };
}

interface Parsing {
  env: Env;
  development: boolean;
  errors: string[];
}

/** The secret a site names, or null (with an error unless optional and absent). */
function secretOf(p: Parsing, where: string, names: Record<string, unknown>, field: SecretField, required: boolean): string | null {
  const name = names[field];
  if (name === undefined) {
    if (required) p.errors.push(`${where} secrets.${field} is required: the name of a Worker secret (\`npx wrangler secret put <NAME>\`)`);
    return null;
  }
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    p.errors.push(`${where} secrets.${field} must be the name of a Worker secret (letters, digits, _), not ${JSON.stringify(name).slice(0, 40)}`);
    return null;
  }
  const value = (p.env as unknown as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') {
    p.errors.push(`${where} secrets.${field} names ${name}, which is not set (\`npx wrangler secret put ${name}\`)`);
    return null;
  }
  if (field === 'edgeKey') return value;
  if (value.length < MIN_SECRET_LENGTH) {
    p.errors.push(`${where} secrets.${field}: ${name} is shorter than ${MIN_SECRET_LENGTH} characters`);
    return null;
  }
  if (!p.development && isPlaceholderSecret(value)) {
    p.errors.push(`${where} secrets.${field}: ${name} is a placeholder, refused outside ENVIRONMENT=development`);
    return null;
  }
  return value;
}

function parseSite(p: Parsing, raw: unknown, index: number): SiteSettings | null {
  let where = `SITES[${index}]`;
  if (!isObject(raw)) {
    p.errors.push(`${where} must be an object`);
    return null;
  }
  const before = p.errors.length;
  const label = raw.workspace;
  if (typeof label !== 'string' || !LABEL.test(label)) {
    p.errors.push(`${where} workspace must be a label of lower-case letters, digits, - and _ (at most 63), like "shop-a"`);
  } else {
    where = `${where} (${label})`;
  }
  for (const key of Object.keys(raw)) {
    if (!FIELDS.includes(key)) p.errors.push(`${where} has an unknown field '${key.slice(0, 40)}' (fields: ${FIELDS.join(', ')})`);
  }

  const hosts: HostPattern[] = [];
  if (!Array.isArray(raw.hosts) || raw.hosts.length === 0) {
    p.errors.push(`${where} hosts must be a non-empty array of hostnames ("shop.example", "*.shop.example")`);
  } else {
    raw.hosts.forEach((h: unknown, i: number) => {
      const parsed = parseHostPattern(h);
      if (!parsed.ok) p.errors.push(`${where} hosts[${i}] ${parsed.reason}`);
      else if (hosts.some((x) => patternText(x) === patternText(parsed.pattern))) p.errors.push(`${where} hosts[${i}] repeats ${patternText(parsed.pattern)}`);
      else hosts.push(parsed.pattern);
    });
  }

  const names = isObject(raw.secrets) ? raw.secrets : {};
  if (!isObject(raw.secrets)) p.errors.push(`${where} secrets must be an object naming Worker secrets: { "edgeKey": "...", "cookie": "...", "identify": "..." }`);
  for (const key of Object.keys(names)) {
    if (!(SECRET_FIELDS as readonly string[]).includes(key)) p.errors.push(`${where} secrets has an unknown field '${key.slice(0, 40)}' (fields: ${SECRET_FIELDS.join(', ')})`);
  }
  const edgeKey = secretOf(p, where, names, 'edgeKey', true);
  const cookieSecret = secretOf(p, where, names, 'cookie', true);
  const identifySecret = secretOf(p, where, names, 'identify', false);

  const allowedOrigins = new Set<string>();
  if (raw.allowedOrigins !== undefined && !Array.isArray(raw.allowedOrigins)) p.errors.push(`${where} allowedOrigins must be an array of origins like "https://shop.example"`);
  for (const [i, o] of (Array.isArray(raw.allowedOrigins) ? raw.allowedOrigins : []).entries()) {
    const origin = typeof o === 'string' ? normalizeOrigin(o) : null;
    if (!origin) p.errors.push(`${where} allowedOrigins[${i}] is not an http(s) origin like "https://shop.example"`);
    else allowedOrigins.add(origin);
  }

  let cookieDomain: string | null = null;
  if (raw.cookieDomain !== undefined) {
    const parsed = parseHostPattern(raw.cookieDomain);
    const domain = parsed.ok && parsed.pattern.kind === 'exact' ? parsed.pattern.host : null;
    if (!domain) p.errors.push(`${where} cookieDomain must be a hostname like "shop.example" (no '*.')`);
    else if (hosts.length > 0 && !hosts.some((h) => isUnder(h.kind === 'exact' ? h.host : h.suffix, domain))) p.errors.push(`${where} cookieDomain ${domain} covers none of the site's hosts`);
    else cookieDomain = domain;
  }

  let originUrl: URL | null = null;
  if (raw.originUrl !== undefined) {
    const origin = typeof raw.originUrl === 'string' ? normalizeOrigin(raw.originUrl) : null;
    if (!origin) p.errors.push(`${where} originUrl must be an http(s) URL`);
    else originUrl = new URL(raw.originUrl as string);
  }

  if (p.errors.length > before || typeof label !== 'string' || !edgeKey || !cookieSecret) return null;
  return { label, hosts, edgeKey, cookieSecret, identifySecret, allowedOrigins, cookieDomain, originUrl };
}

/** What no two sites may share: labels, host patterns, keys and secrets, cookie domains over another's hosts. */
function checkAcrossSites(sites: readonly SiteSettings[], errors: string[]): void {
  const labels = new Map<string, number>();
  const table = new HostTable<string>();
  const secrets = new Map<string, string>();
  sites.forEach((site, index) => {
    const where = `SITES[${index}] (${site.label})`;
    if (labels.has(site.label)) errors.push(`${where} workspace ${site.label} is also SITES[${labels.get(site.label)}]'s: labels must differ`);
    labels.set(site.label, index);
    for (const host of site.hosts) {
      const owner = table.owner(host);
      if (owner !== undefined && owner !== site.label) errors.push(`${where} host ${patternText(host)} is also listed by site ${owner}: a host belongs to one site`);
      else table.add(host, site.label);
    }
    const own: Array<[string, string | null]> = [['secrets.edgeKey', site.edgeKey], ['secrets.cookie', site.cookieSecret], ['secrets.identify', site.identifySecret]];
    for (const [field, value] of own) {
      if (value === null) continue;
      const seen = secrets.get(value);
      if (seen !== undefined) errors.push(`${where} ${field} has the same value as ${seen}: every site needs its own key and secrets`);
      else secrets.set(value, `${where} ${field}`);
    }
  });
  for (const site of sites) {
    if (!site.cookieDomain) continue;
    const domain = site.cookieDomain;
    for (const other of sites) {
      if (other === site) continue;
      const clash = other.hosts.find((h) => (h.kind === 'exact' ? isUnder(h.host, domain) : isUnder(h.suffix, domain) || isUnder(domain, h.suffix)));
      if (clash) errors.push(`SITES (${site.label}) cookieDomain ${domain} would send its cookie to ${patternText(clash)} of site ${other.label}`);
    }
  }
}

/** The sites of `env.SITES`, null when unset (one site, configured by the single-site variables). */
export function parseSites(env: Env): SitesResult {
  const read = readSitesValue(env.SITES);
  if (!read.ok) return { ok: false, errors: [read.error] };
  if (read.value === null) return { ok: true, sites: null };
  const p: Parsing = { env, development: env.ENVIRONMENT === 'development', errors: [] };
  const sites = read.value.map((raw, index) => parseSite(p, raw, index));
  const valid = sites.filter((s): s is SiteSettings => s !== null);
  checkAcrossSites(valid, p.errors);
  return p.errors.length > 0 ? { ok: false, errors: p.errors } : { ok: true, sites: valid };
}
