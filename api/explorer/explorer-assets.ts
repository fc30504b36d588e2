import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { explorerScript } from './explorer-app';

export interface ExplorerAsset {
  contentType: string;
  body: Buffer;
  /** The body compressed once, for browsers that accept gzip: GraphiQL's bundle shrinks from 3.5 MB to under 1 MB. */
  gzipped: Buffer;
  /** Names the content, for validators. */
  hash: string;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Lays out the page under the sign-in bar; GraphiQL's own look comes from its stylesheet. */
const EXPLORER_CSS = `
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#explorer { flex: 1; min-height: 0; }
.steward-explorer { height: 100%; display: flex; flex-direction: column; }
.steward-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: 0.5rem 1rem; border-bottom: 1px solid #d0d4dc; }
.steward-title { font-weight: 600; }
.steward-signin, .steward-signed-in { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.steward-field { display: flex; align-items: center; gap: 0.25rem; }
.steward-error { color: #b00020; }
.steward-notice { margin: 0; padding: 0.5rem 1rem; background: #fff4d6; border-bottom: 1px solid #e0c56e; }
.steward-graphiql { flex: 1; min-height: 0; }
.steward-graphiql > .graphiql-container { height: 100%; }
`;

/** A file inside an installed package, found through its package.json (which every package lets one resolve). */
const packageFile = (pkg: string, file: string) => (): Buffer =>
  readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));

/**
 * Every file the page loads, by the name it has under /graphql/assets/. The prebuilt bundles are
 * read from node_modules, so nothing is fetched from a CDN; React stays on 18, the last release
 * with UMD builds, which GraphiQL 3's bundle expects as the globals React and ReactDOM.
 */
const SOURCES: Record<string, { contentType: string; read: () => Buffer }> = {
  'react.production.min.js': { contentType: JAVASCRIPT, read: packageFile('react', 'umd/react.production.min.js') },
  'react-dom.production.min.js': { contentType: JAVASCRIPT, read: packageFile('react-dom', 'umd/react-dom.production.min.js') },
  'graphiql.min.js': { contentType: JAVASCRIPT, read: packageFile('graphiql', 'graphiql.min.js') },
  'graphiql.min.css': { contentType: CSS, read: packageFile('graphiql', 'graphiql.min.css') },
  'explorer.js': { contentType: JAVASCRIPT, read: () => Buffer.from(explorerScript()) },
  'explorer.css': { contentType: CSS, read: () => Buffer.from(EXPLORER_CSS) },
};

export const EXPLORER_ASSET_NAMES = Object.keys(SOURCES);

const loaded = new Map<string, ExplorerAsset>();

/** The asset by name, read once and kept in memory; undefined for any other name. */
export function explorerAsset(name: string): ExplorerAsset | undefined {
  if (!Object.hasOwn(SOURCES, name)) return undefined;
  let asset = loaded.get(name);
  if (!asset) {
    const source = SOURCES[name]!;
    const body = source.read();
    asset = { contentType: source.contentType, body, gzipped: gzipSync(body), hash: createHash('sha256').update(body).digest('base64url').slice(0, 27) };
    loaded.set(name, asset);
  }
  return asset;
}
