/**
 * `GET /v1/tag.js`: the script a site embeds with `<script src="https://edge.example/v1/tag.js" async>`.
 * It posts the page to /v1/tag (as text/plain JSON: a simple request, no preflight) with
 * credentials, then sets `window.audienceTags` and `window.audienceVariants` (`{ "<segment>:<split>":
 * variant }`), pushes `{ event: 'audience_tags', tags, variants }` onto `window.dataLayer` and
 * dispatches `audience:tags` (detail `{ tags, visitorId, variants }`) on document, bubbling to
 * window. On any failure it still announces an empty tag list (and `{}`), so pages never wait.
 */
import { Hono } from 'hono';
import { methodNotAllowed } from '../http/errors.js';
import type { AppEnv } from '../types.js';

export const TAG_SCRIPT = `(function () {
  var w = window, d = document, s = d.currentScript;
  var endpoint = new URL('/v1/tag', (s && s.src) || w.location.href).href;
  function announce(tags, visitorId, variants) {
    w.audienceTags = tags;
    w.audienceVariants = variants;
    (w.dataLayer = w.dataLayer || []).push({ event: 'audience_tags', tags: tags, variants: variants });
    d.dispatchEvent(new CustomEvent('audience:tags', { bubbles: true, detail: { tags: tags, visitorId: visitorId, variants: variants } }));
  }
  var body = { url: w.location.href };
  if (d.referrer) body.referrer = d.referrer;
  fetch(endpoint, { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (res) {
      var tags = res && Array.isArray(res.tags) ? res.tags : [];
      var variants = res && res.variants && typeof res.variants === 'object' && !Array.isArray(res.variants) ? res.variants : {};
      announce(tags, res ? res.visitorId : null, variants);
    }, function () { announce([], null, {}); });
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
