import type { IncomingMessage, ServerResponse } from 'node:http';
import { explorerAsset } from './explorer-assets';

const PAGE_PATH = '/graphql';
const ASSET_PREFIX = '/graphql/assets/';

/**
 * The page may load and reach only its own origin: no inline code, no other host. Fonts and a few
 * images are data: URLs inside GraphiQL's stylesheet. 'self' in connect-src covers ws: and wss: to
 * the same host, where subscriptions are served.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const INTROSPECTION_OFF_NOTICE =
  'Introspection is turned off on this server (STEWARD_INTROSPECTION), so the explorer has no schema: ' +
  'no documentation, completion or validation. Queries still run.';

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/** Asset URLs are relative to the page, so the explorer works behind a proxy that serves the API under a prefix. */
function page(introspection: boolean): string {
  const notice = introspection ? '' : `<p class="steward-notice" role="status">${INTROSPECTION_OFF_NOTICE}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Steward GraphQL explorer</title>
<link rel="stylesheet" href="graphql/assets/graphiql.min.css">
<link rel="stylesheet" href="graphql/assets/explorer.css">
</head>
<body>
${notice}
<div id="explorer" data-introspection="${introspection ? 'on' : 'off'}"></div>
<noscript>The explorer needs JavaScript. Without it, POST GraphQL requests to this address.</noscript>
<script src="graphql/assets/react.production.min.js"></script>
<script src="graphql/assets/react-dom.production.min.js"></script>
<script src="graphql/assets/graphiql.min.js"></script>
<script src="graphql/assets/explorer.js"></script>
</body>
</html>
`;
}

/** A browser asks for a page; GraphQL clients ask for JSON (the same test Apollo made for its landing page). */
function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the GraphiQL explorer: the page at GET /graphql to browsers and its files under
 * /graphql/assets/. Returns false, having sent nothing, for every other request.
 */
export function serveExplorer(req: IncomingMessage, res: ServerResponse, url: URL, options: { introspection: boolean }): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.pathname === PAGE_PATH && wantsHtml(req)) {
    res
      .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': EXPLORER_CSP, 'cache-control': 'no-cache' })
      .end(page(options.introspection));
    return true;
  }
  if (!url.pathname.startsWith(ASSET_PREFIX)) return false;
  const asset = explorerAsset(url.pathname.slice(ASSET_PREFIX.length));
  if (!asset) {
    res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('not found');
    return true;
  }
  // Revalidated on each load, so an upgrade shows at once; unchanged files cost a 304.
  // Each encoding is its own representation, with its own validator.
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const etag = gzip ? `"${asset.hash}-gzip"` : `"${asset.hash}"`;
  const headers = { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': 'no-cache', etag, vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) };
  if (req.headers['if-none-match'] === etag) res.writeHead(304, headers).end();
  else res.writeHead(200, headers).end(gzip ? asset.gzipped : asset.body);
  return true;
}
