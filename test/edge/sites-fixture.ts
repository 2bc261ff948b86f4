/**
 * Two sites for the SITES tests: shop-a (its apex and every subdomain, a cookie domain, a proxy
 * origin) and shop-b (two exact hosts), each naming its own Worker secrets.
 */
import { ORIGIN } from './harness.js';

export const KEY_A = 'edge-key-shop-a';
export const KEY_B = 'edge-key-shop-b';
export const SECRETS = {
  SHOP_A_EDGE_KEY: KEY_A,
  SHOP_A_COOKIE_SECRET: 'shop-a-cookie-secret-0123456789abcdef',
  SHOP_A_IDENTIFY_SECRET: 'shop-a-identify-secret-0123456789abcdef',
  SHOP_B_EDGE_KEY: KEY_B,
  SHOP_B_COOKIE_SECRET: 'shop-b-cookie-secret-0123456789abcdef',
  SHOP_B_IDENTIFY_SECRET: 'shop-b-identify-secret-0123456789abcdef',
};
export const TWO_SITES = [
  {
    workspace: 'shop-a',
    hosts: ['shop-a.example', '*.shop-a.example'],
    secrets: { edgeKey: 'SHOP_A_EDGE_KEY', cookie: 'SHOP_A_COOKIE_SECRET', identify: 'SHOP_A_IDENTIFY_SECRET' },
    allowedOrigins: ['https://shop-a.example'],
    cookieDomain: 'shop-a.example',
    originUrl: ORIGIN,
  },
  {
    workspace: 'shop-b',
    hosts: ['shop-b.example', 'edge.shop-b.example'],
    secrets: { edgeKey: 'SHOP_B_EDGE_KEY', cookie: 'SHOP_B_COOKIE_SECRET', identify: 'SHOP_B_IDENTIFY_SECRET' },
    allowedOrigins: ['https://shop-b.example'],
  },
];
