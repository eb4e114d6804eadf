/**
 * Static files the API ships (the API reference's Swagger UI from node_modules, the built
 * dashboard): read once from an allow-list of names in one directory, served with a content type.
 * A name outside the list is a 404 in the envelope; nothing is read from a path the client chose.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'hono';
import type { AppEnv } from './context';
import { ApiError } from './errors';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticDir {
  /** True when the directory exists (a dashboard not built yet does not). */
  present: boolean;
  /** Serves `name` when the directory holds it, else throws a 404 naming `what`. */
  serve(c: Context<AppEnv>, name: string, what: string): Response;
}

/** The files of `dir` whose names match `allow`, loaded lazily and kept in memory. */
export function staticDir(dir: string, allow: (name: string) => boolean): StaticDir {
  const present = existsSync(dir);
  const names = new Set(present ? readdirSync(dir).filter(allow) : []);
  const cache = new Map<string, Buffer>();
  return {
    present,
    serve(c, name, what) {
      if (!names.has(name)) throw new ApiError('NOT_FOUND', `${what}: no file ${JSON.stringify(name)}`);
      let body = cache.get(name);
      if (!body) {
        body = readFileSync(path.join(dir, name));
        cache.set(name, body);
      }
      c.header('Content-Type', TYPES[path.extname(name)] ?? 'application/octet-stream');
      c.header('Cache-Control', 'no-cache');
      return c.body(new Uint8Array(body), 200);
    },
  };
}
