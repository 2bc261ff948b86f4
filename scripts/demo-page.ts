/**
 * The demo shop that `npm start` serves (DEMO_PORT, default 3000): every path is the same small page
 * embedding the Worker's tag.js, showing the visitor's tags and the page views the edge counted.
 * Served from 127.0.0.1, the same site as the Worker (127.0.0.1:8787; ports do not make sites), so
 * the visitor cookie is first-party and kept across page views: a page on `localhost` calling
 * `127.0.0.1` would be cross-site, and Chromium drops such third-party cookies, making every view a
 * new visitor.
 */
import { createServer, type Server } from 'node:http';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page, with tag.js from `edgeUrl` (the Worker's origin). */
export function demoPageHtml(edgeUrl: string, path: string): string {
  const script = `${edgeUrl.replace(/\/+$/, '')}/v1/tag.js`;
  return `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>Audience Edge demo shop</title>
    <script>
      document.addEventListener('audience:tags', function (e) {
        document.getElementById('tags').textContent = e.detail.tags.join(', ') || '(none)';
        document.getElementById('visitor').textContent = e.detail.visitorId || '(none)';
        if (e.detail.tags.indexOf('black-friday-visitors') >= 0) document.getElementById('promo').hidden = false;
        if (e.detail.tags.indexOf('pricing-researchers') >= 0) document.getElementById('sales').hidden = false;
      });
    </script>
    <script src="${escapeHtml(script)}" async></script>
  </head>
  <body>
    <h1>Demo shop: ${escapeHtml(path)}</h1>
    <nav><a href="/">Home</a> · <a href="/pricing">Pricing</a> · <a href="/blog/launch">Blog</a> · <a href="/?utm_campaign=black-friday">Black Friday link</a></nav>
    <p>Your tags: <span id="tags">…</span></p>
    <p>Visitor: <span id="visitor">…</span></p>
    <p id="promo" hidden>Black Friday: 30% off today.</p>
    <p id="sales" hidden>Comparing plans? Talk to sales.</p>
  </body>
</html>
`;
}

export interface DemoPageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the demo page on 127.0.0.1:`port` (0: any free port). */
export function startDemoPageServer(options: { port: number; edgeUrl: string }): Promise<DemoPageServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : demoPageHtml(options.edgeUrl, path));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
