/**
 * SPEC §1 "Bad input never yields a 5xx", for what arrives in the URL, before any route reads it:
 * a request URL over 8 KB → 414; a path segment, query parameter name or query value holding a NUL
 * byte or a lone surrogate (after percent-decoding, as the routes see it) → 400 naming it. JSON
 * bodies are guarded where they are read (`json-body.ts`), multipart parts in `api/multipart.ts`.
 */
import type { MiddlewareHandler } from 'hono';
import { tryDecodeURIComponent } from 'hono/utils/url';
import { textProblem } from '../../domain/text-safety';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

/** SPEC §1: the longest request URL (path and query) accepted, in bytes. */
export const MAX_URL_BYTES = 8 * 1024;

/** Path and query of the request as it arrived (still percent-encoded). */
function target(url: string): { path: string; query: string } {
  const start = url.indexOf('/', url.indexOf(':') + 3);
  const rest = start < 0 ? '/' : url.slice(start);
  const hash = rest.indexOf('#');
  const noHash = hash < 0 ? rest : rest.slice(0, hash);
  const q = noHash.indexOf('?');
  return q < 0 ? { path: noHash, query: '' } : { path: noHash.slice(0, q), query: noHash.slice(q + 1) };
}

/** A short, safe rendering of a raw (still encoded) URL piece for an error description. */
const shown = (raw: string) => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw);

function checkPath(path: string): void {
  const segments = path.split('/');
  for (const [i, raw] of segments.entries()) {
    if (!raw.includes('%') && textProblem(raw) === null) continue;
    // Decoded as Hono decodes a route parameter, so the check sees what a route would.
    const problem = textProblem(tryDecodeURIComponent(raw));
    if (problem) {
      const after = segments.slice(0, i).join('/') || '/';
      throw new ApiError(
        'INVALID_PARAMETER',
        `path: segment ${i} (${shown(raw)}, after ${shown(after)}) contains ${problem}; ` +
          'text may not contain NUL bytes or lone surrogates',
      );
    }
  }
}

function checkQuery(queries: Record<string, string[]>): void {
  for (const [name, values] of Object.entries(queries)) {
    const nameProblem = textProblem(name);
    if (nameProblem) {
      throw new ApiError('INVALID_PARAMETER', `query: a parameter name contains ${nameProblem}`);
    }
    for (const value of values) {
      const problem = textProblem(value);
      if (problem) {
        throw new ApiError(
          'INVALID_PARAMETER',
          `query parameter ${JSON.stringify(name)} contains ${problem}; ` +
            'text may not contain NUL bytes or lone surrogates',
        );
      }
    }
  }
}

export function inputGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { path, query } = target(c.req.url);
    const bytes = Buffer.byteLength(path) + (query === '' ? 0 : Buffer.byteLength(query) + 1);
    if (bytes > MAX_URL_BYTES) {
      throw new ApiError(
        'URI_TOO_LONG',
        `the request URL is ${bytes} bytes long; at most ${MAX_URL_BYTES} are allowed`,
      );
    }
    checkPath(path);
    if (query !== '') checkQuery(c.req.queries());
    await next();
  };
}
