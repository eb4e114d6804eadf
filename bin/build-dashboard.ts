/**
 * `npm run build`: bundles the dashboard (SPEC §9, `dashboard/`) with esbuild into `dist/dashboard/`
 * — `app.js` (Preact, minified, with a source map), `index.html`, `style.css` — which the API serves
 * at `/` and `/dashboard/*` (api/routes/dashboard.ts). `npm start`, `npm test` and the Docker image
 * run it; it takes well under a second.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DASHBOARD_SOURCE = path.join(root, 'dashboard');
export const DASHBOARD_OUT = path.join(root, 'dist/dashboard');

export async function buildDashboard(outDir = DASHBOARD_OUT): Promise<{ outDir: string; bytes: number }> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(DASHBOARD_SOURCE, 'src/main.tsx')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(DASHBOARD_SOURCE, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css'])
    copyFileSync(path.join(DASHBOARD_SOURCE, file), path.join(outDir, file));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { outDir, bytes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { outDir, bytes } = await buildDashboard();
  process.stdout.write(
    `dashboard built into ${path.relative(root, outDir)} (${bytes} bytes, ${Date.now() - started} ms)\n`,
  );
}
