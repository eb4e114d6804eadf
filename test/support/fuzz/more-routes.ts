/**
 * The fuzz suite's requests for main's newer routes (issue 11): `/dnc` from its zod schemas with hostile numbers, CSV
 * files and multipart framing; Twilio's callbacks with forged or missing signatures; `Idempotency-Key`s good and bad;
 * the webhook delivery log (its query schema) and replay; the simulator's Exotel API with the account's own
 * credentials; health, metrics, the reference and the dashboard's files.
 */
import fc from 'fast-check';
import { dncCreateItemSchema, dncQuerySchema } from '../../../domain/schemas/dnc';
import { webhookDeliveriesQuerySchema } from '../../../domain/schemas/webhook-delivery';
import { TWILIO_GREETING_PATH, TWILIO_STATUS_PATH } from '../../../domain/carrier-urls';
import {
  brokenMultipart,
  hostileCsv,
  hostileQueryValue,
  hostileRawBody,
  hostileSegment,
  hostileString,
} from './hostile';
import type { FuzzFixtures, FuzzRequest } from './requests';
import { arbitraryOf, jsonSchemaOf } from './schema-arbitrary';

/** The number the lane's fixture put on its do-not-call list. */
export const FIXTURE_DNC_NUMBER = '+919876543297';

/** `encodeURIComponent`, with lone surrogates (which it cannot encode) sent as NUL instead. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\u0000'));

const dncItem = jsonSchemaOf(dncCreateItemSchema);
const dncQuery = jsonSchemaOf(dncQuerySchema);
const number = fc.oneof(
  fc.constantFrom(FIXTURE_DNC_NUMBER, '09876543211', '+14155550123', '1', ''),
  fc.stringMatching(/^\+?[0-9]{6,14}$/),
  hostileString(),
);

/** `/dnc`: add (one or bulk), list, read and remove one, upload a CSV. */
export function dncRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const base = `/v2/accounts/${f.accountSid}/dnc`;
  const headers = { authorization: f.auth, 'content-type': 'application/json' };
  const item = arbitraryOf(dncItem, { number });
  const add = fc
    .oneof(
      item,
      fc.array(item, { minLength: 1, maxLength: 3 }).map((numbers) => ({ numbers })),
    )
    .map((body) => ({ method: 'POST', path: base, headers, body: JSON.stringify(body) ?? 'null', kind: 'dnc add' }));
  const raw = hostileRawBody().map((r) => ({
    method: 'POST',
    path: base,
    headers: { authorization: f.auth, ...(r.contentType && { 'content-type': r.contentType }) },
    body: r.body,
    kind: 'dnc raw',
  }));
  const list = fc.tuple(arbitraryOf(dncQuery, {}), hostileQueryValue()).map(([values, extra]) => {
    const pairs = Object.entries((values ?? {}) as Record<string, unknown>).map(
      ([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`,
    );
    return { method: 'GET', path: `${base}?${[...pairs, `limit=${extra}`].join('&')}`, headers, kind: 'dnc list' };
  });
  const one = fc
    .tuple(fc.oneof(number.map(encode), hostileSegment()), fc.constantFrom('GET', 'DELETE', 'PUT'))
    .map(([seg, method]) => ({ method, path: `${base}/${seg}`, headers, kind: `dnc ${method} one` }));
  const b = 'fuzzDncBoundary';
  const framed = hostileCsv().map((csv) => ({
    body: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file_name"; filename="dnc.csv"\r\n\r\n`),
      csv,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
    contentType: `multipart/form-data; boundary=${b}`,
    label: 'framed',
  }));
  const upload = fc.oneof(framed, brokenMultipart()).map((r) => ({
    method: 'POST',
    path: `${base}/csv-upload`,
    headers: { authorization: f.auth, ...(r.contentType && { 'content-type': r.contentType }) },
    body: r.body,
    kind: `dnc upload ${r.label}`,
  }));
  return fc.oneof({ weight: 3, arbitrary: add }, raw, list, { weight: 2, arbitrary: one }, upload);
}

/** Twilio's status callback and greeting fetch: form bodies, forged or missing signatures, hostile tokens. */
export function twilioRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const token = fc.oneof(fc.constant(f.token), hostileQueryValue(), fc.constant(''));
  const signature = fc.option(fc.constantFrom('bm9wZQ==', '', 'x'.repeat(500), 'not base64 !'), { nil: undefined });
  const form = fc
    .dictionary(
      fc.constantFrom('CallSid', 'AccountSid', 'CallStatus', 'CallDuration', 'Timestamp', 'To', 'x'),
      fc.oneof(fc.constantFrom('completed', 'busy', 'ringing', `CA${'0'.repeat(32)}`), hostileString()),
      { maxKeys: 6 },
    )
    .map((fields) => new URLSearchParams(fields).toString());
  const body = fc.oneof(
    { weight: 3, arbitrary: form },
    hostileRawBody().map((r) => r.body),
  );
  const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', '');
  return fc
    .tuple(fc.constantFrom(TWILIO_STATUS_PATH, TWILIO_GREETING_PATH), token, signature, body, contentType)
    .map(([path, t, sig, b, type]) => ({
      method: 'POST',
      path: `${path}?token=${t}`,
      headers: { ...(sig !== undefined && { 'x-twilio-signature': sig }), ...(type && { 'content-type': type }) },
      body: b,
      kind: `twilio ${path === TWILIO_STATUS_PATH ? 'status' : 'greeting'}`,
    }));
}

/** Keys, good and bad, that `withIdempotencyKey` puts on a request (only what an HTTP header can carry). */
const KEYS = fc.oneof(
  fc.stringMatching(/^[!-~]{1,40}$/),
  fc.constantFrom('', ' ', 'with space', 'tab\tkey', 'k'.repeat(256), 'k'.repeat(255), '"quoted"', 'fuzz-key-1'),
);

/** An authenticated POST, now and then carrying an `Idempotency-Key` (reused across requests, too). */
export function withIdempotencyKey(req: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(req, fc.option(KEYS, { freq: 3 }))
    .map(([r, key]) =>
      key === null || r.method !== 'POST' || !r.path.startsWith('/v2/')
        ? r
        : { ...r, headers: { ...r.headers, 'idempotency-key': key }, kind: `${r.kind} (keyed)` },
    );
}

const deliveriesQuery = jsonSchemaOf(webhookDeliveriesQuerySchema);

/** The webhook delivery log of the lane's campaign (query from its schema, hostile ids) and its replay. */
export function webhookDeliveryRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const headers = { authorization: f.auth, 'content-type': 'application/json' };
  const campaign = fc.oneof({ weight: 3, arbitrary: fc.constant(f.campaign) }, hostileSegment());
  const list = fc.tuple(campaign, arbitraryOf(deliveriesQuery, {}), hostileQueryValue()).map(([id, values, extra]) => {
    const pairs = Object.entries((values ?? {}) as Record<string, unknown>).map(
      ([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`,
    );
    const query = [...pairs, `status=${extra}`].join('&');
    return {
      method: 'GET',
      path: `/v2/accounts/${f.accountSid}/campaigns/${id}/webhook-deliveries?${query}`,
      headers,
      kind: 'deliveries list',
    };
  });
  const replay = fc
    .tuple(campaign, fc.oneof(fc.constant(f.delivery), hostileSegment()), hostileRawBody())
    .map(([id, delivery, raw]) => ({
      method: 'POST',
      path: `/v2/accounts/${f.accountSid}/campaigns/${id}/webhook-deliveries/${delivery}/replay`,
      headers: { authorization: f.auth, ...(raw.contentType && { 'content-type': raw.contentType }) },
      body: raw.body,
      kind: 'deliveries replay',
    }));
  return fc.oneof({ weight: 2, arbitrary: list }, replay);
}

/** The simulator's Exotel API with the lane account's simulator credentials: forms, queries, ids, hostile. */
export function simulatorApiRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const base = `/simulator/v1/Accounts/${f.accountSid}`;
  const headers = { authorization: f.simulatorAuth };
  const field = fc.oneof(
    fc.constantFrom(
      '+919876543210',
      '08047112233',
      'https://flows.example.com/1',
      `http://127.0.0.1:1/s?token=${f.token}`,
    ),
    hostileString(),
  );
  const form = fc
    .dictionary(fc.constantFrom('From', 'CallerId', 'Url', 'CustomField', 'StatusCallback', 'TimeOut'), field, {
      maxKeys: 6,
    })
    .map((fields) => new URLSearchParams(fields).toString());
  const connect = fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: form },
        hostileRawBody().map((r) => r.body),
      ),
      fc.boolean(),
    )
    .map(([body, json]) => ({
      method: 'POST',
      path: `${base}/Calls/connect${json ? '.json' : ''}`,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      kind: 'simulator connect',
    }));
  const list = fc
    .array(
      fc.tuple(
        fc.constantFrom('From', 'To', 'Sid', 'DateCreated', 'PageSize', 'SortBy', 'Status'),
        hostileQueryValue(),
      ),
      {
        maxLength: 3,
      },
    )
    .map((pairs) => ({
      method: 'GET',
      path: `${base}/Calls.json?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`,
      headers,
      kind: 'simulator calls',
    }));
  const one = hostileSegment().map((seg) => ({
    method: 'GET',
    path: `${base}/Calls/${seg}`,
    headers,
    kind: 'simulator call',
  }));
  return fc.oneof({ weight: 2, arbitrary: connect }, list, one);
}

/** The endpoints without an account: health, metrics, the reference and the dashboard's files. */
export function publicRequest(): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom('/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/{x}', '/', '/dashboard/{x}'),
      fc.oneof(fc.constantFrom('init.js', 'index.css', '..%2F..%2Fpackage.json', '.env'), hostileSegment()),
      fc.constantFrom('GET', 'HEAD', 'POST'),
    )
    .map(([template, seg, method]) => ({
      method,
      path: template.replace('{x}', seg),
      headers: {},
      kind: `public ${method} ${template}`,
    }));
}

/** The webhook delivery log, the simulator's Exotel API and the public endpoints, weighted. */
export function laterRouteRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 2, arbitrary: webhookDeliveryRequest(f) },
    { weight: 2, arbitrary: simulatorApiRequest(f) },
    { weight: 1, arbitrary: publicRequest() },
  );
}
