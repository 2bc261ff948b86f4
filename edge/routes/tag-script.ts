/**
 * `GET /v1/tag.js`: the script a site embeds with `<script src="https://edge.example/v1/tag.js" async>`.
 * It posts the page to /v1/tag (as text/plain JSON: a simple request, no preflight) with
 * credentials, then sets `window.audienceTags`, pushes `{ event: 'audience_tags', tags }` onto
 * `window.dataLayer` and dispatches `audience:tags` (detail `{ tags, visitorId }`) on document,
 * bubbling to window. On any failure it still announces an empty tag list, so pages never wait.
 */
import { Hono } from 'hono';
import { methodNotAllowed } from '../http/errors.js';
import type { AppEnv } from '../types.js';

export const TAG_SCRIPT = `(function () {
  var w = window, d = document, s = d.currentScript;
  var endpoint = new URL('/v1/tag', (s && s.src) || w.location.href).href;
  function announce(tags, visitorId) {
    w.audienceTags = tags;
    (w.dataLayer = w.dataLayer || []).push({ event: 'audience_tags', tags: tags });
    d.dispatchEvent(new CustomEvent('audience:tags', { bubbles: true, detail: { tags: tags, visitorId: visitorId } }));
  }
  var body = { url: w.location.href };
  if (d.referrer) body.referrer = d.referrer;
  fetch(endpoint, { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (res) {
      var tags = res && Array.isArray(res.tags) ? res.tags : [];
      announce(tags, res ? res.visitorId : null);
    }, function () { announce([], null); });
})();
`;

export const tagScriptRoutes = new Hono<AppEnv>();

tagScriptRoutes.get('/', () =>
  new Response(TAG_SCRIPT, {
    headers: {
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    },
  }),
);

tagScriptRoutes.all('/', () => methodNotAllowed(['GET', 'HEAD']));
