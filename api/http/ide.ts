/**
 * The GraphQL IDE at GET /graphql in a browser: Ruru (a GraphiQL distribution) with every asset
 * served from node_modules under /graphql/static/, so it works offline (no CDN).
 */
import { ruruHTML, type RuruServerConfig } from 'ruru/server';
import { getStaticFile } from 'ruru/static';
import type { Context } from 'hono';

export const IDE_STATIC_PATH = '/graphql/static/';

const EXAMPLE = `# Send your API key: Headers -> {"Authorization": "Bearer ae_..."}
query Overview {
  workspace { id name }
  profiles(first: 5) {
    edges { node { externalId traits computed { purchaseCount lastPurchaseAt } segments { slug } } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

let html: string | undefined;

export function ideHtml(): string {
  html ??= ruruHTML({
    endpoint: '/graphql',
    staticPath: IDE_STATIC_PATH,
    // ruru-types declares every client option as required; these two are all we set.
    clientConfig: { defaultQuery: EXAMPLE, defaultHeaders: '{"Authorization": "Bearer "}' } as RuruServerConfig['clientConfig'],
  });
  return html;
}

/** True for a browser navigation (HTML wanted, no GraphQL query in the URL). */
export function wantsIde(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html') && !c.req.query('query');
}

export async function serveIdeAsset(c: Context): Promise<Response> {
  const file = await getStaticFile({ staticPath: IDE_STATIC_PATH, urlPath: c.req.path, acceptEncoding: c.req.header('accept-encoding'), disallowDevAssets: true });
  if (!file) return c.json({ error: { code: 'NOT_FOUND', message: 'No such file' } }, 404);
  return new Response(new Uint8Array(file.content), { status: 200, headers: file.headers });
}
