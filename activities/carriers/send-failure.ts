/**
 * SPEC §7: whether a dial request that got no HTTP answer may have reached the carrier. Only a
 * failure before the request was written proves it never left: the connection was refused or never
 * made (DNS, routing, connect timeout) or TLS failed its handshake. Anything later (a reset after
 * the write, a timeout waiting for the answer, an unknown error) may have placed a call.
 */

/** How a dial request that got no answer ended, with its cause for the logs (never a credential). */
export type SendFailure = { sent: false; cause: string } | { sent: 'maybe'; cause: string };

/** Errors of the connection phase: the request cannot have been written. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EAI_NODATA',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  // TLS certificate checks run in the handshake, before any byte of the request.
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** OpenSSL's handshake failures (an alert or a peer that does not speak TLS at all). */
const TLS_HANDSHAKE = /^ERR_SSL_(.*HANDSHAKE.*|WRONG_VERSION_NUMBER|UNKNOWN_PROTOCOL|.*ALERT.*)$/;
/** System calls that run before a request is written. */
const CONNECT_SYSCALLS = new Set(['connect', 'getaddrinfo', 'getaddrinfo_async']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  syscall?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first (fetch wraps the socket's error as `cause`). */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = err; typeof e === 'object' && e !== null && out.length < 8; e = (e as ErrorLike).cause)
    out.push(e as ErrorLike);
  return out;
}

/** Userinfo in any URL inside a message is dropped (SPEC §6.3: URL userinfo is never logged). */
export function redactUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
}

function describe(e: ErrorLike): string {
  const parts = [e.code, e.syscall].filter((x): x is string => typeof x === 'string');
  const message = typeof e.message === 'string' ? redactUserinfo(e.message).slice(0, 200) : '';
  return [parts.join(' '), message].filter((x) => x !== '').join(': ');
}

/** Classifies what `fetch` threw for a dial request. */
export function classifySendFailure(err: unknown): SendFailure {
  const errors = chain(err);
  const root = errors[errors.length - 1] ?? {};
  const cause = describe(root) || String(err);
  for (const e of errors) {
    const code = typeof e.code === 'string' ? e.code : '';
    // fetch refuses some ports and malformed URLs before connecting.
    if (e.message === 'bad port' || code === 'ERR_INVALID_URL') return { sent: false, cause };
    if (NOT_CONNECTED.has(code) || TLS_HANDSHAKE.test(code)) return { sent: false, cause };
    if (typeof e.syscall === 'string' && CONNECT_SYSCALLS.has(e.syscall)) return { sent: false, cause };
  }
  const timedOut = errors.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError');
  return { sent: 'maybe', cause: timedOut ? `no answer before the timeout (${cause})` : cause };
}
