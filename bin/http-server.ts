/**
 * The API's HTTP server (SPEC §1 "every response uses the envelope", at the HTTP layer): heads up to 64 KB reach the
 * app; a request Node cannot parse is answered here in Exotel's envelope, and the rest of what the client sends is
 * drained before the socket closes, so a client still writing sees the answer, not a reset.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { failureEnvelope } from '../api/envelope';
import { ApiError } from '../api/errors';
import { MAX_URL_BYTES } from '../api/middleware/input-guard';
import { newSid } from '../domain/ids';

/** The largest request head (request line and headers) Node parses; Node's default is 16 KB. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** How long a refused client may keep sending before its socket is closed. */
const DRAIN_MS = 5_000;

interface ParseError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/**
 * Whether an over-long request head is over-long because of its URL, judged from the bytes Node was
 * parsing when it gave up (the whole head, or only its last piece when it came in several): a
 * request line longer than the URL limit, or a piece that is the tail of one (no line break yet, or
 * a first line ending in the HTTP version).
 */
function headTooLongIsUrl(packet: Buffer): boolean {
  const lineEnd = packet.indexOf('\r\n');
  if (lineEnd < 0) return true;
  const firstLine = packet.subarray(0, lineEnd).toString('latin1');
  if (/^[A-Z]{1,16} \S/.test(firstLine)) return firstLine.length > MAX_URL_BYTES;
  return / HTTP\/\d\.\d$/.test(firstLine);
}

/** The catalogue error for a request Node refused to parse. */
export function clientErrorAnswer(err: ParseError): ApiError {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return headTooLongIsUrl(err.rawPacket ?? Buffer.alloc(0))
      ? new ApiError('URI_TOO_LONG', `the request URL is longer than ${MAX_URL_BYTES} bytes`)
      : new ApiError('HEADERS_TOO_LARGE', `the request headers are larger than ${MAX_HEADER_BYTES / 1024} KB`);
  }
  return new ApiError('INVALID_PARAMETER', `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`);
}

const answered = new WeakSet<Socket>();

/** Answers a request Node could not parse with the envelope, then drains and closes the socket. */
export function answerClientError(err: ParseError, socket: Socket): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  // Only parse errors get an answer; a reset, a timeout or a closed socket just ends the connection.
  if (!err.code?.startsWith('HPE_') || !socket.writable) {
    socket.destroy();
    return;
  }
  const error = clientErrorAnswer(err);
  const method = /^([A-Z]{1,16}) /.exec(err.rawPacket?.subarray(0, 17).toString('latin1') ?? '')?.[1] ?? '';
  const requestId = newSid();
  const body = JSON.stringify(failureEnvelope(requestId, method, error));
  socket.end(
    `HTTP/1.1 ${error.http} ${STATUS_CODES[error.http] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // Read and drop the rest (Node's parser has given up on this socket), so closing it with unread
  // data does not reset the connection under a client still sending its body.
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.on('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/** Serves `fetch` on `hostname:port` with the limits above; resolves once listening. */
export function serveHttp(opts: {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
}): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: opts.fetch,
        port: opts.port,
        hostname: opts.hostname,
        serverOptions: { maxHeaderSize: MAX_HEADER_BYTES },
        // A body answered before it was read (a 413 on its declared length, a 401) is read to its
        // end and dropped by Node itself, the connection kept; @hono/node-server's own cleanup
        // gives up after 500 ms and closes it under a client still sending.
        autoCleanupIncoming: false,
      },
      () => resolve(server),
    );
    server.on('clientError', answerClientError);
    server.once('error', reject);
  });
}
