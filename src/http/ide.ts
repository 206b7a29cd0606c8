import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sharedPlugin } from './plugin';

/**
 * GraphiQL at /graphql for browsers, in development, from installed npm assets (no CDN: offline machines and
 * locked-down networks cannot reach one). React 18's UMD builds are the last React ships; GraphiQL 3 runs on them.
 */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

const cache = new Map<string, Buffer>();
const own = (name: string): boolean => Object.prototype.hasOwnProperty.call(ASSETS, name);

function asset(name: string): Buffer | null {
  if (!own(name)) return null;
  const spec = ASSETS[name]!;
  let bytes = cache.get(name);
  if (!bytes) {
    // Packages' export maps hide their UMD files from require.resolve: resolve the package, then the file in it.
    bytes = readFileSync(path.join(path.dirname(require.resolve(`${spec.pkg}/package.json`)), spec.file));
    cache.set(name, bytes);
  }
  return bytes;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>trust-portal GraphiQL</title>
  <link rel="stylesheet" href="/ide/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="/ide/react.js"></script>
  <script src="/ide/react-dom.js"></script>
  <script src="/ide/graphiql.js"></script>
  <script>
    // Paste a token from \`npm start\` (or npm run token) into the Headers tab: {"authorization": "Bearer ..."}
    const fetcher = GraphiQL.createFetcher({ url: '/graphql', headers: { 'apollo-require-preflight': 'true' } });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: '# The public trust center of the demo vendor\\n{\\n  trustCenter(slug: "acme") {\\n    name\\n    attestations { edges { node { title framework socType periodEnd freshness { state ageDays expiresOn coveredThrough } } } }\\n  }\\n}\\n',
    }));
  </script>
</body>
</html>`;

/**
 * Development only (server.ts registers it outside production): the page for a browser's GET /graphql (HTML accepted,
 * no query string), answered before the GraphQL pipeline, and the assets under /ide/ (unknown names are 404).
 */
export const ide = sharedPlugin(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'GET' && request.url === '/graphql' && (request.headers.accept ?? '').includes('text/html')) {
      return void reply.code(200).headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).send(PAGE);
    }
    done();
  });
  app.get('/ide/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const bytes = asset(name);
    if (!bytes) return reply.callNotFound();
    return reply.code(200).headers({ 'content-type': `${ASSETS[name]!.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' }).send(bytes);
  });
});
