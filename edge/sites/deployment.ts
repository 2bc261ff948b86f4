/**
 * What one Worker serves: one site (no SITES: the single-site variables), several (SITES: one set of
 * services per site, found by host), or nothing (SITES is invalid: every request is refused rather
 * than served with another site's ruleset or secrets).
 */
import type { Env } from '../config.js';
import { createServices, type ServiceOptions, type Services } from '../services.js';
import { parseSites, type SiteSettings } from './config.js';
import { HostTable } from './hosts.js';

/** A site of SITES; its services are built at its first request, so a cold isolate builds one, not all. */
interface SiteEntry {
  settings: SiteSettings;
  services: Services | null;
  build(): Services;
}

export type Deployment =
  | { kind: 'single'; services: Services }
  | { kind: 'sites'; sites: HostTable<SiteEntry> }
  | { kind: 'invalid'; errors: readonly string[] };

export function createDeployment(env: Env, options: ServiceOptions = {}): Deployment {
  const parsed = parseSites(env);
  if (!parsed.ok) {
    // Once per environment (isolate); requests are answered 503 without the details.
    console.error(`edge config: SITES is refused, no site is served:\n- ${parsed.errors.join('\n- ')}`);
    return { kind: 'invalid', errors: parsed.errors };
  }
  if (parsed.sites === null) return { kind: 'single', services: createServices(env, options) };
  const sites = new HostTable<SiteEntry>();
  for (const settings of parsed.sites) {
    const entry: SiteEntry = {
      settings,
      services: null,
      build: () => (entry.services ??= createServices(env, options, settings)),
    };
    for (const host of settings.hosts) sites.add(host, entry);
  }
  return { kind: 'sites', sites };
}

/**
 * The services for a request or page host: the only site, or the site whose hosts match; null when
 * no site has this host (or the configuration is invalid).
 */
export function siteFor(deployment: Deployment, hostname: string): Services | null {
  switch (deployment.kind) {
    case 'single':
      return deployment.services;
    case 'sites':
      return deployment.sites.match(hostname)?.build() ?? null;
    case 'invalid':
      return null;
  }
}
