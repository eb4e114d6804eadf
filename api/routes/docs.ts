/**
 * SPEC §2 (ext) `GET /openapi.json` (the document built from the zod schemas, `api/openapi/`) and
 * `GET /docs`, the API reference: Swagger UI served from `swagger-ui-dist` in node_modules, so the
 * page works with no internet. No authentication: the document describes, it grants nothing.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { buildOpenApiDocument } from '../openapi/document';
import { staticDir } from '../static-files';

const SWAGGER_FILES = new Set(['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Outcall API reference</title>
  <link rel="icon" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
});
`;

export function createDocsRoutes(deps: { publicUrl: string }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = staticDir(swaggerDir, (name) => SWAGGER_FILES.has(name));
  let document: string | undefined;

  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(buildOpenApiDocument({ publicUrl: deps.publicUrl }));
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(document, 200);
  });
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/:file', (c) => {
    const file = c.req.param('file');
    if (file === 'init.js') {
      c.header('Content-Type', 'application/javascript; charset=utf-8');
      return c.body(INIT, 200);
    }
    return assets.serve(c, file, 'docs');
  });
  return app;
}
