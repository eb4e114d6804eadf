/**
 * SPEC §7: a dial request sent on a connection of its own, so its fate is known. A request that fails
 * before its connection (TCP, and TLS when https) is established was never written: not sent. Once
 * connected, any failure or timeout may have placed a call. A fresh connection per request means a
 * kept-alive socket the carrier closed meanwhile can never turn "not sent" into "maybe".
 */
import http from 'node:http';
import https from 'node:https';
import { redactUserinfo, type SendFailure } from './send-failure';

export interface PostAnswer {
  status: number;
  header(name: string): string | null;
  body: string;
}

/** Thrown by `postOnce` when no answer came: whether the request may have left, and why. */
export class SendFailed extends Error {
  constructor(readonly failure: SendFailure) {
    super(failure.cause);
    this.name = 'SendFailed';
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown };
  const parts = [e.code, e.syscall].filter((x): x is string => typeof x === 'string').join(' ');
  const message = typeof e.message === 'string' ? redactUserinfo(e.message).slice(0, 200) : String(err);
  return parts ? `${parts}: ${message}` : message;
}

/** POSTs `body` once, on a new connection, answering within `timeoutMs` or failing with `SendFailed`. */
export function postOnce(
  url: string,
  opts: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    let connected = false;
    let settled = false;
    const fail = (err: unknown, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const cause = why ?? describe(err);
      reject(
        new SendFailed(connected ? { sent: 'maybe', cause } : { sent: false, cause: `before connecting: ${cause}` }),
      );
    };
    const req = lib.request(target, {
      method: 'POST',
      agent: false,
      headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
    });
    const timer = setTimeout(() => {
      fail(null, connected ? `no answer within ${opts.timeoutMs} ms` : `no connection within ${opts.timeoutMs} ms`);
      req.destroy();
    }, opts.timeoutMs);
    req.on('socket', (socket) => {
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
    });
    req.on('error', (err) => fail(err));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', (err) => fail(err));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
          },
          body: text,
        });
      });
    });
    req.end(opts.body);
  });
}
