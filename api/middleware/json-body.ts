/**
 * SPEC §1 "Lenient parsing": a body that parses as JSON is accepted whatever its `Content-Type` (missing, `text/plain`,
 * form-encoded — real Exotel clients send all of these). A body that looks like JSON but does not parse → 400; a body
 * that is not JSON at all → 415. Every JSON body is guarded here, once: nested deeper than 64 levels → 400 before it is
 * parsed, and a string or field name holding a NUL byte or a lone surrogate → 400 naming the field.
 */
import type { Context } from 'hono';
import { describeUnsafeString, findUnsafeString, jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../domain/text-safety';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new ApiError('MALFORMED_JSON', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/**
 * A parsed JSON value whose every string and field name can be stored (no NUL, no lone surrogate);
 * throws a 400 naming the first offending field. `what` names the whole value in the description.
 */
export function checkedJson<T>(value: T, what = 'body'): T {
  const unsafe = findUnsafeString(value);
  if (unsafe) throw new ApiError('INVALID_PARAMETER', describeUnsafeString(unsafe, what));
  return value;
}

/** Parses JSON text with the guards above: depth first, then the parse, then every string. */
export function parseGuardedJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const parsed = tryParse(text);
  return parsed.ok ? { ok: true, value: checkedJson(parsed.value) } : parsed;
}

/** A form-encoded client may have URL-encoded the JSON text, or sent it as a lone key (`{...}=`). */
function fromFormEncoding(text: string): string | null {
  const stripped = text.endsWith('=') ? text.slice(0, -1) : text;
  try {
    return decodeURIComponent(stripped.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Reads and parses the request body as JSON, whatever the declared type; throws `ApiError` when it cannot. */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = (await c.req.text()).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new ApiError('MALFORMED_JSON', 'request body is empty; expected a JSON object');
  const direct = parseGuardedJson(text);
  if (direct.ok) return direct.value;
  const contentType = c.req.header('content-type') ?? '';
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const decoded = fromFormEncoding(text.trim());
    const parsed = decoded === null ? null : parseGuardedJson(decoded);
    if (parsed?.ok) return parsed.value;
  }
  const looksLikeJson = /json/i.test(contentType) || /^\s*[[{"]/.test(text);
  if (looksLikeJson) throw new ApiError('MALFORMED_JSON', `request body is not valid JSON: ${direct.message}`);
  throw new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    `request body must be JSON; got ${contentType ? `"${contentType}" content` : 'a body that is not JSON'}`,
  );
}
