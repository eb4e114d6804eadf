/**
 * SPEC §7 "not sent is not ambiguous": the exotel adapter's dial request against real local HTTP
 * servers (and the simulator carrier) that refuse it, reset it after it was written, never answer,
 * or answer 5xx / 4xx. Only a request that provably never left is `not_sent`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierFactory } from '../../activities/carriers';
import type { PlaceCallInput } from '../../activities/carriers/carrier';
import { createExotelCarrier } from '../../activities/carriers/exotel';
import { classifySendFailure, redactUserinfo } from '../../activities/carriers/send-failure';
import { createSimulatorApp } from '../../simulator';
import { attemptToken, newSid } from '../../domain/ids';
import { freePort } from '../../bin/services';
import { freshDatabase, type TestDatabase } from '../support/db';

const input: PlaceCallInput = {
  to: '+919800000071',
  callerId: '08047112345',
  url: 'https://flows.example/start_voice/1',
  customField: 'cf',
  ringTimeoutS: 30,
  callTimeLimitS: 3600,
  statusCallbackUrl: `http://127.0.0.1:9/carriers/exotel/status?token=${attemptToken(1, newSid())}`,
};

/** A real HTTP server whose every request is handled by `handle`; counts the requests that arrived whole. */
async function server(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  const received: string[] = [];
  const s: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(body);
      handle(req, res);
    });
  });
  s.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => resolve());
      }),
  };
}

const carrierAt = (baseUrl: string, timeoutMs = 2000) =>
  createExotelCarrier({ baseUrl, accountSid: 'acme', apiKey: 'k', apiToken: 't', timeoutMs });

describe('§7 exotel adapter: a dial request that provably never left is not sent', () => {
  it('classifies a refused connection as not_sent, naming ECONNREFUSED', async () => {
    const port = await freePort(); // nothing listens on it
    const r = await carrierAt(`http://127.0.0.1:${port}`).placeCall(input);
    expect(r).toMatchObject({ kind: 'not_sent' });
    expect(r.kind === 'not_sent' && r.cause).toMatch(/ECONNREFUSED/);
  });

  it('classifies a failed TLS handshake (a plain-HTTP peer) as not_sent: the request was never written', async () => {
    const plain = await server((_req, res) => res.writeHead(200).end('{}'));
    try {
      const r = await carrierAt(plain.baseUrl.replace('http://', 'https://')).placeCall(input);
      expect(r).toMatchObject({ kind: 'not_sent' });
      expect(plain.received).toEqual([]);
    } finally {
      await plain.stop();
    }
  });

  it.each([
    [503, {}, undefined],
    [503, { 'retry-after': '12' }, 12_000],
    [408, {}, undefined],
  ])('classifies HTTP %i (the carrier created no call) as not_sent', async (status, headers, retryAfterMs) => {
    const s = await server((_req, res) => res.writeHead(status, headers).end('{"RestException":{"Message":"busy"}}'));
    try {
      const r = await carrierAt(s.baseUrl).placeCall(input);
      expect(r).toEqual({
        kind: 'not_sent',
        cause: `HTTP ${status}: busy`,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
        // SPEC §4.5 (ext): a 503 also backs the carrier connection off.
        ...(status === 503 && { carrierBusy: true }),
      });
    } finally {
      await s.stop();
    }
  });
});

describe('§7 exotel adapter: a dial request that may have placed a call is ambiguous', () => {
  it('classifies a connection closed after the request was written as unknown', async () => {
    const s = await server((req) => req.socket.destroy());
    try {
      expect(await carrierAt(s.baseUrl).placeCall(input)).toMatchObject({ kind: 'unknown' });
      expect(s.received).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('classifies a TCP reset after the request was written as unknown', async () => {
    const s = await server((req) => req.socket.resetAndDestroy());
    try {
      const r = await carrierAt(s.baseUrl).placeCall(input);
      expect(r).toMatchObject({ kind: 'unknown' });
      expect(s.received).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('classifies no answer before the timeout as unknown', async () => {
    const s = await server(() => undefined); // reads the request, never answers
    try {
      const r = await carrierAt(s.baseUrl, 300).placeCall(input);
      expect(r).toMatchObject({ kind: 'unknown' });
      expect(r.kind === 'unknown' && r.cause).toBe('no answer within 300 ms');
      expect(s.received).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it.each([500, 502, 504])('classifies HTTP %i as unknown', async (status) => {
    const s = await server((_req, res) => res.writeHead(status).end('oops'));
    try {
      expect(await carrierAt(s.baseUrl).placeCall(input)).toEqual({ kind: 'unknown', cause: `HTTP ${status}: oops` });
    } finally {
      await s.stop();
    }
  });

  it('classifies a 2xx without a call sid as unknown (a call may exist)', async () => {
    const s = await server((_req, res) => res.writeHead(200).end('{"Call":{}}'));
    try {
      expect(await carrierAt(s.baseUrl).placeCall(input)).toMatchObject({ kind: 'unknown' });
    } finally {
      await s.stop();
    }
  });
});

describe('§7 exotel adapter: answers that say what happened', () => {
  it.each([
    [400, 'refused'],
    [404, 'refused'],
    [401, 'refused'],
    [429, 'rate_limited'],
  ])('classifies HTTP %i as %s', async (status, kind) => {
    const s = await server((_req, res) => res.writeHead(status).end('{"RestException":{"Message":"no"}}'));
    try {
      expect(await carrierAt(s.baseUrl).placeCall(input)).toMatchObject({ kind });
    } finally {
      await s.stop();
    }
  });
});

/** The deployment secret the simulator's per-account credentials derive from. */
const SECRET = 'simulator-test-secret-0123456789';

describe('§7 the simulator carrier through the exotel adapter', () => {
  let database: TestDatabase;
  let sim: ServerType;
  let publicUrl: string;
  beforeAll(async () => {
    database = await freshDatabase();
    const app = new Hono();
    app.route(
      '/simulator',
      createSimulatorApp({ db: database.db, log: pino({ level: 'silent' }), ringMs: 100, talkMs: 100, secret: SECRET }),
    );
    sim = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    publicUrl = `http://127.0.0.1:${(sim.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (sim.listening ? sim.close(() => resolve()) : resolve()));
    await database?.drop();
  });

  it('accepts, refuses a number ending in 000, and is not sent to once the simulator is down', async () => {
    const carrier = createCarrierFactory({ publicUrl, simulatorSecret: SECRET })({ type: 'simulator' }, 'acme');
    expect(await carrier.placeCall(input)).toMatchObject({ kind: 'accepted' });
    expect(await carrier.placeCall({ ...input, to: '+919800000000' })).toMatchObject({
      kind: 'refused',
      httpStatus: 400,
    });
    const stopped = new Promise<void>((resolve) => sim.close(() => resolve()));
    (sim as Server).closeAllConnections(); // the adapter's kept-alive connection too
    await stopped;
    const down = await carrier.placeCall(input);
    expect(down).toMatchObject({ kind: 'not_sent' });
    expect(down.kind === 'not_sent' && down.cause).toMatch(/ECONNREFUSED/);
  });
});

describe('§7 classifying what fetch threw', () => {
  const fetchFailed = (cause: Record<string, unknown>) => new TypeError('fetch failed', { cause });

  it.each([
    ['DNS failure', { code: 'ENOTFOUND', syscall: 'getaddrinfo', message: 'getaddrinfo ENOTFOUND api.exotel.test' }],
    ['DNS timeout', { code: 'EAI_AGAIN', syscall: 'getaddrinfo', message: 'getaddrinfo EAI_AGAIN api.exotel.test' }],
    ['unreachable network', { code: 'ENETUNREACH', syscall: 'connect', message: 'connect ENETUNREACH' }],
    ['connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'Connect Timeout Error' }],
    ['certificate', { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }],
    [
      'host name',
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
    ],
  ])('a %s is not sent', (_what, cause) => {
    expect(classifySendFailure(fetchFailed(cause))).toMatchObject({ sent: false });
  });

  it.each([
    ['socket closed', { code: 'UND_ERR_SOCKET', message: 'other side closed' }],
    ['reset while reading', { code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' }],
    ['broken pipe', { code: 'EPIPE', syscall: 'write', message: 'write EPIPE' }],
    ['unknown', { message: 'something else' }],
  ])('a %s may have been sent', (_what, cause) => {
    expect(classifySendFailure(fetchFailed(cause))).toMatchObject({ sent: 'maybe' });
  });

  it('keeps credentials in URLs out of the cause', () => {
    expect(redactUserinfo('GET https://key:token@api.exotel.test/v1 failed')).toBe(
      'GET https://api.exotel.test/v1 failed',
    );
    const f = classifySendFailure(fetchFailed({ code: 'ECONNRESET', message: 'to https://k:secret@h.test reset' }));
    expect(f.cause).not.toMatch(/secret/);
  });
});
