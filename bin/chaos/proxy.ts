/**
 * The fault suite's public URL (issue 10): a loopback proxy in front of the API that drops a share of
 * the carrier's status callbacks (answers 200 and forwards nothing, as a lost callback looks to the
 * carrier) and forwards everything else. Deterministic: a seeded generator picks the dropped ones.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackProxy {
  url: string;
  /** Callbacks dropped, and callbacks forwarded. */
  dropped: number;
  forwarded: number;
  stop(): Promise<void>;
}

/** A small deterministic generator (mulberry32), so a run drops the same share every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startCallbackProxy(opts: { upstreamPort: number; dropShare: number; seed?: number }) {
  const random = seeded(opts.seed ?? 10);
  const proxy: CallbackProxy = { url: '', dropped: 0, forwarded: 0, stop: async () => {} };
  const server = http.createServer((req, res) => {
    const isCallback =
      req.method === 'POST' && (req.url ?? '').startsWith('/carriers/') && req.url!.includes('/status');
    if (isCallback && random() < opts.dropShare) {
      proxy.dropped++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      return;
    }
    if (isCallback) proxy.forwarded++;
    const up = http.request(
      { host: '127.0.0.1', port: opts.upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    // The API is down: the caller sees a gateway error and retries as it would at a real load balancer.
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream unavailable');
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
