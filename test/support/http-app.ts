/**
 * The real app (`createApp`) behind the API's real HTTP server (`bin/http-server.ts`) on a free
 * loopback port, with the fake workflow engine of `test/support/api.ts`: for API tests of endpoints
 * that need no Temporal (lists, contacts, CSV upload) but must go through real HTTP (streamed bodies,
 * Content-Length, chunked transfer). `httpClient` speaks JSON with an account's Basic credentials.
 */
import type { AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { serveHttp } from '../../bin/http-server';
import type { App, Json, TestAccount } from './api';

export interface ServedApp {
  baseUrl: string;
  stop(): Promise<void>;
}

export async function serveApp(app: App): Promise<ServedApp> {
  const server: ServerType = await serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  json: Json;
  text: string;
}

export type HttpCall = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<HttpResponse>;

/** JSON over HTTP as `account`; a string body is sent as written (lenient-parsing tests). */
export function httpClient(baseUrl: string, account: TestAccount | null): HttpCall {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(account && { authorization: account.auth }),
        ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
}
