/**
 * SPEC §6.3 "URL userinfo is never logged", and no secret in any log line (the brief's standards):
 * the pure rules that scrub a value before it is written. `bin/log-redaction.ts` applies them to
 * every line of the root logger; code that builds a message from a URL (webhook delivery) applies
 * `redactUrlUserinfo` itself as well, so stored errors and other loggers never carry it either.
 */

const REDACTED = '[redacted]';

// `scheme://` then the authority's userinfo up to its last `@` (WHATWG splits on the last one).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi;
// Query parameters that carry a secret: attempt tokens (`token`, the greeting's `CustomField`), keys.
const SECRET_PARAMS = /([?&](?:token|api_token|password|secret|signature|customfield)=)[^&#\s"']*/gi;
/** Field names whose values are secrets, whatever they hold. */
const SECRET_KEYS = new Set([
  'authorization',
  'password',
  'token',
  'api_token',
  'apitoken',
  'apitokenhash',
  'secret',
  'webhook_secret',
  'webhooksecret',
  'signingsecret',
  'x-outcall-signature',
]);

/** `text` with the userinfo of every URL in it replaced (`http://[redacted]@host/`). */
export function redactUrlUserinfo(text: string): string {
  return text.includes('@') ? text.replace(USERINFO, `$1${REDACTED}@`) : text;
}

/** `text` with URL userinfo and secret query parameters (`?token=…`) redacted. */
export function redactText(text: string): string {
  const noUserinfo = redactUrlUserinfo(text);
  return noUserinfo.includes('=') ? noUserinfo.replace(SECRET_PARAMS, `$1${REDACTED}`) : noUserinfo;
}

/** True when a field of this name holds a secret (`authorization`, `token`, `api_token`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

const MAX_DEPTH = 8;

/**
 * A copy of a log call's fields with every secret field (`authorization`, `token`, …) replaced, at
 * any depth up to 8 levels (deeper values and cycles are cut). Strings are left to `redactText`,
 * which runs on the finished line; errors and other class instances pass through as they are.
 */
export function redactSecretFields(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  const plain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  if (!plain) return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[...]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactSecretFields(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) ? REDACTED : redactSecretFields(v, depth + 1, seen);
  }
  return out;
}
