/**
 * The pools that segments and request contexts are drawn from. Segments and contexts share them, so
 * rules match a realistic share of requests instead of almost none.
 */

/** Country, continent, a time zone and the share of traffic (weight). */
export const COUNTRIES: ReadonlyArray<readonly [string, string, string, number]> = [
  ['US', 'NA', 'America/New_York', 22],
  ['US', 'NA', 'America/Los_Angeles', 8],
  ['VN', 'AS', 'Asia/Ho_Chi_Minh', 9],
  ['TH', 'AS', 'Asia/Bangkok', 5],
  ['GB', 'EU', 'Europe/London', 7],
  ['DE', 'EU', 'Europe/Berlin', 6],
  ['FR', 'EU', 'Europe/Paris', 5],
  ['IN', 'AS', 'Asia/Kolkata', 6],
  ['JP', 'AS', 'Asia/Tokyo', 4],
  ['BR', 'SA', 'America/Sao_Paulo', 4],
  ['CA', 'NA', 'America/Toronto', 3],
  ['AU', 'OC', 'Australia/Sydney', 3],
  ['SG', 'AS', 'Asia/Singapore', 2],
  ['ID', 'AS', 'Asia/Jakarta', 2],
  ['PH', 'AS', 'Asia/Manila', 2],
  ['MX', 'NA', 'America/Mexico_City', 2],
  ['ES', 'EU', 'Europe/Madrid', 2],
  ['IT', 'EU', 'Europe/Rome', 2],
  ['NL', 'EU', 'Europe/Amsterdam', 2],
  ['PL', 'EU', 'Europe/Warsaw', 1],
  ['SE', 'EU', 'Europe/Stockholm', 1],
  ['KR', 'AS', 'Asia/Seoul', 1],
  ['NG', 'AF', 'Africa/Lagos', 1],
  ['ZA', 'AF', 'Africa/Johannesburg', 1],
  ['AR', 'SA', 'America/Argentina/Buenos_Aires', 1],
  ['NZ', 'OC', 'Pacific/Auckland', 1],
];

/** Distinct country codes, the ones segments list. */
export const COUNTRY_CODES: readonly string[] = [...new Set(COUNTRIES.map(([code]) => code))];

export const DEVICE_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['mobile', 55],
  ['desktop', 35],
  ['tablet', 7],
  ['bot', 3],
];

export const DEVICE_OS: Readonly<Record<string, readonly string[]>> = {
  mobile: ['iOS', 'Android'],
  tablet: ['iOS', 'Android'],
  desktop: ['Windows', 'macOS', 'Linux'],
  bot: ['Other'],
};

const BLOG_SLUGS = ['pricing-explained', 'edge-segments', 'hanoi-launch', 'cold-brew-guide', 'q3-update', 'migrating-from-sheets'];
const DOC_SECTIONS = ['api', 'guides', 'sdk', 'billing'];
const FEATURES = ['segments', 'exports', 'edge', 'analytics'];
const PRODUCTS = ['1001', '1002', '1017', '2040', '3300'];
const LOCALES = ['en', 'vi', 'th', 'de', 'fr'];

/** A page path of the demo site, drawn with a skew towards the home, pricing and blog pages. */
export function randomPath(pick: <T>(items: readonly T[]) => T, roll: number): string {
  if (roll < 0.14) return '/';
  if (roll < 0.26) return pick(['/pricing', '/pricing/', '/pricing/teams', '/pricing/enterprise']);
  if (roll < 0.44) return `/blog/${pick(BLOG_SLUGS)}`;
  if (roll < 0.5) return `/blog/${pick(BLOG_SLUGS)}/comments`;
  if (roll < 0.62) return `/docs/${pick(DOC_SECTIONS)}/${pick(['intro', 'auth', 'limits', 'webhooks'])}`;
  if (roll < 0.72) return `/product/${pick(PRODUCTS)}`;
  if (roll < 0.77) return pick(['/cart', '/checkout', '/checkout/done']);
  if (roll < 0.85) return `/features/${pick(FEATURES)}`;
  if (roll < 0.93) return `/${pick(LOCALES)}/${pick(['pricing', 'blog', 'features'])}`;
  return pick(['/about', '/contact', '/careers', '/account/settings', '/login', '/signup']);
}

/** Globs marketers write for those pages. */
export const PATH_GLOBS: readonly string[] = [
  '/pricing/**',
  '/pricing*',
  '/pricing',
  '/blog/*/comments',
  '/blog/**',
  '/blog/*',
  '/docs/**',
  '/docs/api/*',
  '/docs/*/webhooks',
  '/product/*',
  '/product/10??',
  '/checkout/**',
  '/cart',
  '/features/*',
  '/features/edge',
  '/*/pricing',
  '/*/blog',
  '/signup',
  '/account/**',
  '/',
];

export const UTM_SOURCES: ReadonlyArray<readonly [string, number]> = [
  ['google', 30],
  ['facebook', 20],
  ['newsletter', 15],
  ['instagram', 10],
  ['linkedin', 8],
  ['tiktok', 8],
  ['bing', 5],
  ['partner-hub', 4],
];

export const UTM_MEDIUMS: readonly string[] = ['cpc', 'email', 'social', 'referral'];

export const UTM_CAMPAIGNS: readonly string[] = [
  'black-friday-2026',
  'spring-sale',
  'retargeting-q4',
  'brand',
  'launch-vn',
  'webinar-nov',
  'free-trial',
  'winback',
];

/** Referrer hosts, with `null` for direct traffic. */
export const REFERRER_HOSTS: ReadonlyArray<readonly [string | null, number]> = [
  [null, 35],
  ['www.google.com', 25],
  ['news.google.com', 3],
  ['www.facebook.com', 8],
  ['l.facebook.com', 5],
  ['t.co', 4],
  ['www.bing.com', 4],
  ['duckduckgo.com', 3],
  ['www.linkedin.com', 3],
  ['mail.example.net', 4],
  ['partner.example.org', 6],
];

/** Suffixes marketers use with `page.referrerHost endsWith`. */
export const REFERRER_SUFFIXES: readonly string[] = ['google.com', '.google.com', 'facebook.com', 'linkedin.com', 'bing.com', '.example.org', 't.co'];
