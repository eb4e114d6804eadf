/**
 * `npm run bench -- <name> [args]`: runs `bench/<name>.ts`, whose default export takes the remaining
 * arguments and prints its figures. Benchmarks are scripts, never timed assertions (STYLE G14).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [args]\n`);
  process.exit(name ? 2 : 0);
}
const mod = (await import(path.join(here, `${name}.ts`))) as { default: (args: string[]) => Promise<void> };
try {
  await mod.default(args);
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
