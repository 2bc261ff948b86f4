import { describe, expect, it } from 'vitest';
import { classifyDevice } from '../../edge/context/device.js';

const UA = {
  iphoneSafari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  iphoneChrome: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
  pixelChrome: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  galaxySamsung: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  androidFirefox: 'Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0',
  cubotPhone: 'Mozilla/5.0 (Linux; Android 11; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  galaxyTab: 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  kindleFire: 'Mozilla/5.0 (Linux; Android 9; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.3.1 like Chrome/124.0.6367.219 Safari/537.36',
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  windowsEdge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.56',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  linuxOpera: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 OPR/111.0.0.0',
  chromebook: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  wget: 'Wget/1.21.4',
  python: 'python-requests/2.32.3',
  facebook: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  gptbot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  samsungTv: 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
  lgTv: 'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.79 Safari/537.36 WebAppManager',
  fireTv: 'Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  ps5: 'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
  xbox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edge/44.18363.8131',
  switch: 'Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 (KHTML, like Gecko) NF/6.0.1.15.4 NintendoBrowser/5.1.0.20393',
  galaxyWatch: 'Mozilla/5.0 (Linux; Tizen 4.0; SAMSUNG SM-R800) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/1.0 Chrome/56.0.2924.0 Mobile Watch Safari/537.36',
} as const;

describe('classifyDevice with real User-Agents', () => {
  const cases: Array<[keyof typeof UA, string, string | undefined, string | undefined]> = [
    ['iphoneSafari', 'mobile', 'iOS', 'Safari'],
    ['iphoneChrome', 'mobile', 'iOS', 'Chrome'],
    ['pixelChrome', 'mobile', 'Android', 'Chrome'],
    ['galaxySamsung', 'mobile', 'Android', 'Samsung Internet'],
    ['androidFirefox', 'mobile', 'Android', 'Firefox'],
    ['cubotPhone', 'mobile', 'Android', 'Chrome'],
    ['ipad', 'tablet', 'iOS', 'Safari'],
    ['galaxyTab', 'tablet', 'Android', 'Chrome'],
    ['kindleFire', 'tablet', 'Android', 'Chrome'],
    ['windowsChrome', 'desktop', 'Windows', 'Chrome'],
    ['windowsEdge', 'desktop', 'Windows', 'Edge'],
    ['macSafari', 'desktop', 'macOS', 'Safari'],
    ['macFirefox', 'desktop', 'macOS', 'Firefox'],
    ['linuxOpera', 'desktop', 'Linux', 'Opera'],
    ['chromebook', 'desktop', 'Chrome OS', 'Chrome'],
    ['googlebot', 'bot', undefined, undefined],
    ['googlebotSmartphone', 'bot', 'Android', undefined],
    ['bingbot', 'bot', undefined, undefined],
    ['headless', 'bot', 'Linux', undefined],
    ['curl', 'bot', undefined, undefined],
    ['wget', 'bot', undefined, undefined],
    ['python', 'bot', undefined, undefined],
    ['facebook', 'bot', undefined, undefined],
    ['gptbot', 'bot', undefined, undefined],
    ['samsungTv', 'tv', 'Tizen', undefined],
    ['lgTv', 'tv', 'webOS', 'Chrome'],
    ['fireTv', 'tv', 'Android', 'Chrome'],
    ['ps5', 'console', 'PlayStation', 'Safari'],
    ['xbox', 'console', 'Xbox', 'Edge'],
    ['switch', 'console', 'Nintendo', undefined],
    ['galaxyWatch', 'wearable', 'Tizen', 'Samsung Internet'],
  ];
  for (const [name, type, os, browser] of cases) {
    it(`${name} is a ${type}`, () => {
      const d = classifyDevice({ userAgent: UA[name] });
      expect(d.type).toBe(type);
      if (os) expect(d.os).toBe(os);
      if (browser) expect(d.browser).toBe(browser);
      if (type === 'bot') expect(d.browser).toBeUndefined();
    });
  }
});

describe('classifyDevice with client hints and bad input', () => {
  it('Sec-CH-UA-Mobile ?1 makes an unclear User-Agent mobile', () => {
    expect(classifyDevice({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0', mobileHint: '?1' }).type).toBe('mobile');
    expect(classifyDevice({ userAgent: UA.windowsChrome, mobileHint: '?0' }).type).toBe('desktop');
  });

  it('Sec-CH-UA-Platform names the OS', () => {
    expect(classifyDevice({ userAgent: UA.pixelChrome, platformHint: '"Android"' }).os).toBe('Android');
    expect(classifyDevice({ userAgent: UA.windowsChrome, platformHint: '"macOS"' }).os).toBe('macOS');
    expect(classifyDevice({ userAgent: UA.windowsChrome, platformHint: '"Unknown Thing"' }).os).toBe('Windows');
  });

  it('a missing or empty User-Agent is a bot', () => {
    expect(classifyDevice({ userAgent: null }).type).toBe('bot');
    expect(classifyDevice({ userAgent: '   ' }).type).toBe('bot');
  });

  it('a huge User-Agent is classified on its prefix', () => {
    const d = classifyDevice({ userAgent: UA.iphoneSafari + ' x'.repeat(50_000) + ' Googlebot' });
    expect(d.type).toBe('mobile');
  });
});
