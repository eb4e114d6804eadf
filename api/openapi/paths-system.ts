/** SPEC §2: health, metrics, the API reference, the dashboard, carrier callbacks and the signed report. */
import { z } from 'zod';
import { TWILIO_GREETING_PATH, TWILIO_STATUS_PATH } from '../../domain/carrier-urls';
import { TWILIO_SIGNATURE_HEADER } from '../../domain/twilio-signature';
import type { FieldDoc, OperationDoc } from './operation';

const health = z.object({ status: z.literal('ok') });
const ready = z.object({ status: z.literal('ready'), database: z.string(), temporal: z.string() });
const callbackAnswer = z.object({
  call_sid: z.string(),
  status: z.string(),
  result: z.enum(['delivered', 'already_settled']),
});

/** Every Twilio request carries its signature; Outcall checks it before anything else. */
const twilioSigned: Record<string, FieldDoc> = {
  [TWILIO_SIGNATURE_HEADER]: {
    description:
      "Base64 HMAC-SHA1, keyed with the account's Twilio auth token, of the URL Outcall handed out " +
      '(under OUTCALL_PUBLIC_URL, with its token) followed by the sorted form fields; a mismatch is 403',
    required: true,
  },
};
const twilioToken = z.object({ token: z.string().describe('the attempt token of the URL Outcall handed out') });
/** The fields Outcall reads from Twilio's `completed` status callback; Twilio sends others, all signed. */
const twilioStatusFields: Record<string, FieldDoc> = {
  CallSid: { description: 'the dialled call (CA + 32 hex); must be the call this attempt dialled', required: true },
  CallStatus: { description: 'completed, busy, no-answer, failed or canceled', required: true },
  AccountSid: { description: "when present, must be the attempt's Twilio account" },
  CallDuration: { description: 'seconds connected' },
  Timestamp: { description: 'when the call ended (RFC 2822)' },
  RecordingUrl: { description: 'the recording, when there is one' },
};
const twilioGreeting = {
  path: TWILIO_GREETING_PATH,
  tag: 'Carriers',
  summary: "The greeting of one attempt as `<Say>` TwiML, for Twilio's fetch of the dial's `Url`",
  auth: 'token',
  query: twilioToken,
  headers: twilioSigned,
  response: { kind: 'text', contentType: 'text/xml', description: 'TwiML: `<Response><Say>…</Say></Response>`' },
} as const satisfies Partial<OperationDoc>;

export const systemOperations: OperationDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tag: 'Operations',
    summary: 'Liveness: the process is up',
    auth: 'none',
    response: { kind: 'item', name: 'Health', schema: health },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    tag: 'Operations',
    summary: 'Readiness: PostgreSQL and Temporal answer now',
    auth: 'none',
    response: { kind: 'item', name: 'Readiness', schema: ready },
    errors: ['NOT_READY'],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (text exposition format); a Bearer token when OUTCALL_METRICS_TOKEN is set',
    auth: 'none',
    response: { kind: 'text', contentType: 'text/plain; version=0.0.4', description: 'Prometheus text format' },
    errors: ['UNAUTHORIZED'],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'Operations',
    summary: 'This OpenAPI 3.1 document, generated from the zod schemas that validate requests',
    auth: 'none',
    response: { kind: 'text', contentType: 'application/json', description: 'OpenAPI 3.1 document' },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    tag: 'Operations',
    summary: 'The API reference (Swagger UI, served locally)',
    auth: 'none',
    response: { kind: 'text', contentType: 'text/html', description: 'HTML page' },
  },
  {
    method: 'get',
    path: '/docs/{file}',
    operationId: 'docsAsset',
    tag: 'Operations',
    summary: "The reference page's scripts and styles",
    auth: 'none',
    response: { kind: 'text', contentType: 'application/javascript', description: 'a static file' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/',
    operationId: 'dashboard',
    tag: 'Operations',
    summary: 'The web dashboard (SPEC §9); it uses this API with the account’s credentials',
    auth: 'none',
    response: { kind: 'text', contentType: 'text/html', description: 'HTML page' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/dashboard/{file}',
    operationId: 'dashboardAsset',
    tag: 'Operations',
    summary: "The dashboard's built scripts and styles",
    auth: 'none',
    response: { kind: 'text', contentType: 'application/javascript', description: 'a static file' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'post',
    path: '/carriers/exotel/status',
    operationId: 'exotelStatusCallback',
    tag: 'Carriers',
    summary: "Exotel's status callback for one attempt, authorised by the attempt token in the URL",
    auth: 'token',
    query: z.object({ token: z.string() }),
    response: { kind: 'item', name: 'CallbackAnswer', schema: callbackAnswer },
    errors: ['NOT_FOUND', 'INVALID_PARAMETER', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'ENGINE_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/carriers/exotel/greeting',
    operationId: 'exotelGreeting',
    tag: 'Carriers',
    summary: 'The rendered greeting of one attempt, by the token the carrier passes as CustomField',
    auth: 'token',
    query: z.object({ CustomField: z.string() }),
    response: { kind: 'text', contentType: 'text/plain', description: 'the greeting (≤4,000 characters)' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'post',
    path: TWILIO_STATUS_PATH,
    operationId: 'twilioStatusCallback',
    tag: 'Carriers',
    summary: "Twilio's status callback for one attempt: signed, and naming the attempt by the token in its URL",
    auth: 'token',
    query: twilioToken,
    headers: twilioSigned,
    form: twilioStatusFields,
    response: { kind: 'item', name: 'CallbackAnswer', schema: callbackAnswer },
    errors: [
      'NOT_FOUND',
      'FORBIDDEN',
      'INVALID_PARAMETER',
      'UNSUPPORTED_MEDIA_TYPE',
      'PAYLOAD_TOO_LARGE',
      'ENGINE_UNAVAILABLE',
    ],
  },
  { ...twilioGreeting, method: 'get', operationId: 'twilioGreeting', errors: ['NOT_FOUND', 'FORBIDDEN'] },
  {
    ...twilioGreeting,
    method: 'post',
    operationId: 'twilioGreetingPost',
    form: {
      CallSid: { description: "Twilio's call parameters (CallSid, AccountSid, From, To, …): signed, not read" },
    },
    errors: ['NOT_FOUND', 'FORBIDDEN', 'INVALID_PARAMETER', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'],
  },
  {
    method: 'post',
    path: '/carriers/{carrier}/status',
    operationId: 'otherCarrierStatusCallback',
    tag: 'Carriers',
    summary: 'Callbacks from a carrier Outcall does not receive from answer 404',
    auth: 'none',
    response: { kind: 'text', contentType: 'application/json', description: 'never: always 404' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/reports/{id}/report.csv',
    operationId: 'getSignedReport',
    tag: 'Campaigns',
    summary: 'The `report_url` of the terminal status_callback: the per-number CSV, by a signed 7-day token',
    auth: 'token',
    query: z.object({ token: z.string() }),
    response: { kind: 'csv', description: 'one row per number' },
    errors: ['UNAUTHORIZED', 'CAMPAIGN_NOT_FOUND'],
  },
];
