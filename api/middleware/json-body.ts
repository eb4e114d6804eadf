/**
 * SPEC §1 "Lenient parsing": a body that parses as JSON is accepted whatever its `Content-Type`
 * (missing, `text/plain`, form-encoded — real Exotel clients send all of these). A body that looks
 * like JSON but does not parse → 400; a body that is not JSON at all → 415.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
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
  const direct = tryParse(text);
  if (direct.ok) return direct.value;
  const contentType = c.req.header('content-type') ?? '';
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const decoded = fromFormEncoding(text.trim());
    const parsed = decoded === null ? null : tryParse(decoded);
    if (parsed?.ok) return parsed.value;
  }
  const looksLikeJson = /json/i.test(contentType) || /^\s*[[{"]/.test(text);
  if (looksLikeJson) throw new ApiError('MALFORMED_JSON', `request body is not valid JSON: ${direct.message}`);
  throw new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    `request body must be JSON; got ${contentType ? `"${contentType}" content` : 'a body that is not JSON'}`,
  );
}
