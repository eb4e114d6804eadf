/**
 * `npm run bench -- <name> [args] [--record]`: runs `bench/<name>.ts`, whose default export takes the
 * remaining arguments and prints its figures. Benchmarks are scripts, never timed assertions (STYLE
 * G14). `--record` also writes what it printed into `bench/RESULTS.md` (`support/results.ts`).
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordRun } from './support/results';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const argv = process.argv.slice(2);
const record = argv.includes('--record');
const [name, ...args] = argv.filter((a) => a !== '--record');
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}> [args]\n`);
  process.exit(name ? 2 : 0);
}
const mod = (await import(path.join(here, `${name}.ts`))) as { default: (args: string[]) => Promise<void> };
const startedAt = new Date();
const loadAtStart = os.loadavg()[0]!;
const printed: string[] = [];
if (record) {
  // Everything the benchmark prints to stdout is also kept for the results file.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
}
try {
  await mod.default(args);
  if (record) {
    const file = path.join(here, 'RESULTS.md');
    recordRun(file, {
      command: ['npm run bench --', name, ...args].join(' '),
      startedAt,
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      loadAtStart,
      loadAtEnd: os.loadavg()[0]!,
      output: printed.join(''),
    });
    process.stderr.write(`recorded in ${path.relative(process.cwd(), file)}\n`);
  }
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
