/**
 * SPEC §1 "Envelope": every JSON response, success or error, is
 * `{request_id, method, http_code, [metadata], response: [...]}` and its HTTP status equals `http_code`.
 * This file is the only place that builds one (STYLE G11).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context';
import { ApiError, ERROR_CODES, toApiError } from './errors';

export interface SuccessItem<T = unknown> {
  code: number;
  status: 'success';
  data: T;
}

export interface FailureItem {
  code: number;
  status: 'failure';
  error_data: { code: number; message: string; description: string };
}

export type ResponseItem<T = unknown> = SuccessItem<T> | FailureItem;

export interface ListMetadata {
  count: number;
  offset: number;
  limit: number;
  total: number;
}

/** Counters of a bulk write (contacts, add-to-list), as Exotel's `metadata` carries them. */
export interface BulkMetadata {
  total: number;
  success: number;
  failed: number;
}

export function successItem<T>(data: T, code = 200): SuccessItem<T> {
  return { code, status: 'success', data };
}

export function failureItem(err: ApiError): FailureItem {
  const entry = ERROR_CODES[err.key];
  return {
    code: entry.http,
    status: 'failure',
    error_data: { code: entry.code, message: entry.message, description: err.description },
  };
}

function send(
  c: Context<AppEnv>,
  httpCode: number,
  response: unknown[],
  metadata?: ListMetadata | BulkMetadata,
): Response {
  const body = {
    request_id: c.get('requestId'),
    method: c.req.method,
    http_code: httpCode,
    ...(metadata && { metadata }),
    response,
  };
  return c.json(body, httpCode as ContentfulStatusCode);
}

/** One resource: `response: [{code, status: "success", data}]`. */
export function ok<T>(c: Context<AppEnv>, data: T, code = 200): Response {
  return send(c, code, [successItem(data, code)]);
}

/** A list endpoint: one `{code, status, data}` item per record, plus `metadata`. */
export function okList<T>(c: Context<AppEnv>, records: T[], page: Omit<ListMetadata, 'count'>): Response {
  return send(
    c,
    200,
    records.map((r) => successItem(r)),
    { count: records.length, ...page },
  );
}

/** Call-details: `response` items are the bare call records, as Exotel documents them (SPEC §1). */
export function okBareList<T>(c: Context<AppEnv>, records: T[], page: Omit<ListMetadata, 'count'>): Response {
  return send(c, 200, records, { count: records.length, ...page });
}

/**
 * Items of a create/update body [C-1]. Flat body: the single item's code is the HTTP status. Bulk
 * body: one item per element; HTTP 200 when every item succeeded, else 207 (even when all failed).
 */
export function okItems(c: Context<AppEnv>, bulk: boolean, items: ResponseItem[]): Response {
  if (!bulk) return send(c, items[0]?.code ?? 200, items);
  return send(c, items.every((i) => i.status === 'success') ? 200 : 207, items);
}

/**
 * Items of a bulk write that reports counters (SPEC §5: contacts, add-to-list): like `okItems`, plus
 * `metadata: {total, success, failed}`.
 */
export function okItemsCounted(c: Context<AppEnv>, bulk: boolean, items: ResponseItem[]): Response {
  const success = items.filter((i) => i.status === 'success').length;
  const metadata: BulkMetadata = { total: items.length, success, failed: items.length - success };
  const code = bulk ? (success === items.length ? 200 : 207) : (items[0]?.code ?? 200);
  return send(c, code, items, metadata);
}

/**
 * The failure envelope as a plain object, for answers given outside Hono (the HTTP server's own
 * refusals of requests it cannot parse, `bin/http-server.ts`).
 */
export function failureEnvelope(requestId: string, method: string, err: ApiError) {
  return { request_id: requestId, method, http_code: err.http, response: [failureItem(err)] };
}

/** The failure envelope for any thrown value; unexpected errors are logged with the request id. */
export function renderError(c: Context<AppEnv>, err: unknown): Response {
  const { error, internal } = toApiError(err, c.get('requestId'));
  if (internal) c.get('log').error({ err }, 'Unhandled error');
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return send(c, error.http, [failureItem(error)]);
}
