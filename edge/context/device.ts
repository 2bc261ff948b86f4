/**
 * A small, allocation-light device classifier: User-Agent plus the low-entropy client hints
 * (`Sec-CH-UA-Mobile`, `Sec-CH-UA-Platform`). It answers the contract's device types, not a
 * full parse: ua-parser-js costs ~75 us a request and is AGPL; this costs well under 1 us.
 */
import type { DEVICE_BROWSERS, DEVICE_OSES } from '../../schema/attributes.js';
import type { EdgeDevice } from '../../schema/context.js';

/** Only the names the catalogue knows (a rule naming another gets a warning). */
type Os = (typeof DEVICE_OSES)[number];
type Browser = (typeof DEVICE_BROWSERS)[number];

export interface DeviceHints {
  userAgent: string | null;
  /** `Sec-CH-UA-Mobile`: `?1` or `?0`. */
  mobileHint?: string | null;
  /** `Sec-CH-UA-Platform`: a quoted platform name, e.g. `"Android"`. */
  platformHint?: string | null;
}

/** Longer User-Agents are classified on this prefix only (a header bomb costs nothing more). */
const MAX_UA = 512;

// "cubot" is a phone brand, not a crawler.
const BOT =
  /bot\b|bot[/_;-]|crawl|spider|slurp|scrap|headless|phantomjs|selenium|puppeteer|playwright|lighthouse|pagespeed|facebookexternalhit|facebookcatalog|embedly|preview|curl\/|wget\/|python|aiohttp|httpx|go-http-client|java\/|okhttp|libwww|axios\/|node-fetch|undici|postmanruntime|insomnia|httpclient|apache-http|mediapartners|adsbot|feedfetcher|uptime|pingdom|monitor|gptbot|chatgpt|claude|anthropic|perplexity|bytespider|ccbot|petalbot|semrush|ahrefs|yandex\.com\/bots|baiduspider|duckduckgo-favicons/i;
const NOT_BOT = /cubot/i;
const CONSOLE = /playstation|xbox|nintendo/i;
const TV = /smart-?tv|smarttv|googletv|google tv|android tv|appletv|apple tv|\bcrkey\b|roku|hbbtv|netcast|web0s|webos.*tv|tizen.*tv|bravia|\baft[a-z]{1,4}\b|\btv\b/i;
const WEARABLE = /watch ?os|wear ?os|\bwatch\b|glass 1/i;
const TABLET = /ipad|tablet|kindle|silk\/|playbook|nexus (7|9|10)\b|sm-t\d|sm-x\d|lenovo tab|\btab\b|\bkf[a-z]{2,4}\b/i;
const MOBILE = /mobi|iphone|ipod|windows phone|blackberry|bb10|opera mini|iemobile|kaios|nokia|symbian/i;

const OS_RULES: ReadonlyArray<readonly [RegExp, Os]> = [
  [/iphone|ipad|ipod|\bios\b|cpu os /i, 'iOS'],
  [/watch ?os/i, 'watchOS'],
  [/harmonyos/i, 'HarmonyOS'],
  [/kaios/i, 'KaiOS'],
  [/tizen/i, 'Tizen'],
  [/web0s|webos/i, 'webOS'],
  [/playstation/i, 'PlayStation'],
  [/xbox/i, 'Xbox'],
  [/nintendo/i, 'Nintendo'],
  [/android/i, 'Android'],
  [/windows phone/i, 'Windows Phone'],
  [/windows/i, 'Windows'],
  [/\bcros\b/i, 'Chrome OS'],
  [/mac os x|macintosh/i, 'macOS'],
  [/linux|x11/i, 'Linux'],
];

const BROWSER_RULES: ReadonlyArray<readonly [RegExp, Browser]> = [
  [/edg(e|a|ios)?\//i, 'Edge'],
  [/opr\/|opera|opios/i, 'Opera'],
  [/samsungbrowser/i, 'Samsung Internet'],
  [/ucbrowser/i, 'UC Browser'],
  [/yabrowser/i, 'Yandex'],
  [/fban|fbav|fb_iab/i, 'Facebook'],
  [/instagram/i, 'Instagram'],
  [/firefox|fxios/i, 'Firefox'],
  [/crios|chrome|chromium/i, 'Chrome'],
  [/msie |trident\//i, 'Internet Explorer'],
  [/safari|applewebkit.*mobile/i, 'Safari'],
];

const PLATFORM_HINTS: Readonly<Record<string, Os>> = {
  android: 'Android',
  'chrome os': 'Chrome OS',
  chromeos: 'Chrome OS',
  ios: 'iOS',
  linux: 'Linux',
  macos: 'macOS',
  windows: 'Windows',
};

function firstMatch(ua: string, rules: ReadonlyArray<readonly [RegExp, string]>): string | undefined {
  for (const [pattern, name] of rules) if (pattern.test(ua)) return name;
  return undefined;
}

function typeOf(ua: string, mobileHint: boolean): string {
  if (ua === '' || (BOT.test(ua) && !NOT_BOT.test(ua))) return 'bot';
  if (CONSOLE.test(ua)) return 'console';
  if (TV.test(ua)) return 'tv';
  if (WEARABLE.test(ua)) return 'wearable';
  if (TABLET.test(ua)) return 'tablet';
  if (MOBILE.test(ua) || mobileHint) return 'mobile';
  // Android without "Mobile" is a tablet by Google's own convention.
  if (/android/i.test(ua)) return 'tablet';
  return 'desktop';
}

/**
 * Classifies a request's device. A missing or empty User-Agent is a bot: every browser sends one.
 * @example classifyDevice({ userAgent: 'Mozilla/5.0 (iPhone; ...) Mobile/15E148 Safari/604.1' }); // { type: 'mobile', os: 'iOS', browser: 'Safari' }
 */
export function classifyDevice(hints: DeviceHints): EdgeDevice {
  const ua = (hints.userAgent ?? '').slice(0, MAX_UA).trim();
  const type = typeOf(ua, hints.mobileHint?.trim() === '?1');
  const platform = hints.platformHint ? PLATFORM_HINTS[hints.platformHint.replaceAll('"', '').trim().toLowerCase()] : undefined;
  const os = platform ?? firstMatch(ua, OS_RULES);
  const browser = type === 'bot' ? undefined : firstMatch(ua, BROWSER_RULES);
  const device: EdgeDevice = { type };
  if (os) device.os = os;
  if (browser) device.browser = browser;
  return device;
}
