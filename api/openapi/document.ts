/**
 * SPEC §2 (ext) `GET /openapi.json`: the OpenAPI 3.1 document, generated with zod 4's own
 * `z.toJSONSchema` from the route descriptions in `paths-*.ts`, which hold the very zod schemas the
 * routes validate with (STYLE G9 "one schema, many uses"). docs/api-surfaces.md says why this and
 * not @hono/zod-openapi or hono-openapi.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorKey } from '../errors';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../middleware/idempotency';
import { bareListEnvelope, errorEnvelope, itemEnvelope, itemsEnvelope, listEnvelope } from './envelopes';
import type { FieldDoc, OperationAuth, OperationDoc, OperationResponse } from './operation';
import { campaignOperations } from './paths-campaigns';
import { dncOperations } from './paths-dnc';
import { listAndContactOperations } from './paths-lists';
import { systemOperations } from './paths-system';
import { accountCallingWindowSchema } from './report';

type Json = Record<string, unknown>;

/** Every operation the app serves (test/unit/openapi.test.ts holds this equal to `app.routes`). */
export const OPERATIONS: readonly OperationDoc[] = [
  ...campaignOperations,
  ...listAndContactOperations,
  ...dncOperations,
  ...systemOperations,
];

/** What every operation of a kind can answer besides its own errors. */
const ALWAYS: Record<OperationAuth, ErrorKey[]> = {
  basic: ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'INTERNAL'],
  token: ['INTERNAL'],
  none: ['INTERNAL'],
};

/**
 * SPEC §1 (ext): `api/middleware/idempotency.ts` runs on every POST under /v2 (api/app.ts), so each
 * takes an `Idempotency-Key` and can answer 409 (4005) or 400 for a malformed key.
 */
const takesIdempotencyKey = (op: OperationDoc) => op.method === 'post' && op.path.startsWith('/v2/');
const IDEMPOTENCY_ERRORS: ErrorKey[] = ['INVALID_PARAMETER', 'IDEMPOTENCY_KEY_REUSED'];
/** Answered before the key is read (Basic auth, the rate limit) or never kept (≥ 500): never replayed. */
const notReplayed = (http: number) => http === 401 || http === 403 || http === 429 || http >= 500;

const TAGS = [
  { name: 'Campaigns', description: 'SPEC §3–§4: create, read, control and report on campaigns' },
  { name: 'Webhooks', description: 'SPEC §6.2: the delivery log of outbound webhooks, and replay' },
  { name: 'Lists', description: 'SPEC §5: contact lists and memberships (also at /contact-lists)' },
  { name: 'Contacts', description: 'SPEC §5: contacts and CSV uploads' },
  { name: 'Do not call', description: "SPEC §7 (ext): the account's do-not-call list" },
  { name: 'Carriers', description: 'SPEC §7: what carriers call (no Basic auth; per-attempt tokens)' },
  { name: 'Operations', description: 'Health, metrics, this reference and the dashboard' },
];

/**
 * zod writes JavaScript's safe-integer range as the bounds of every `z.int()`; they say nothing a
 * client needs, and the reference at /docs would show -9007199254740991 as every integer's example.
 */
function dropSafeIntegerBounds(ctx: { jsonSchema: Json }): void {
  const s = ctx.jsonSchema;
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: dropSafeIntegerBounds,
  }) as Json;
  delete out.$schema;
  return out;
}

function envelopeOf(r: Extract<OperationResponse, { name: string }>): z.ZodType {
  switch (r.kind) {
    case 'item':
      return itemEnvelope(r.schema);
    case 'list':
      return listEnvelope(r.schema);
    case 'bare-list':
      return bareListEnvelope(r.schema);
    case 'items':
      return itemsEnvelope(r.schema, r.counted === true);
  }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const RATE_HEADERS = {
  'X-RateLimit-Limit': { $ref: '#/components/headers/RateLimitLimit' },
  'X-RateLimit-Remaining': { $ref: '#/components/headers/RateLimitRemaining' },
  'X-RateLimit-Reset': { $ref: '#/components/headers/RateLimitReset' },
};

const REPLAYED = { [REPLAYED_HEADER]: { $ref: '#/components/headers/IdempotentReplayed' } };

function successResponses(op: OperationDoc): Json {
  const r = op.response;
  const replayable = takesIdempotencyKey(op) ? REPLAYED : {};
  const headers = op.auth === 'basic' ? { headers: { ...RATE_HEADERS, ...replayable } } : {};
  switch (r.kind) {
    case 'csv':
      return {
        '200': { description: r.description, ...headers, content: { 'text/csv': { schema: { type: 'string' } } } },
      };
    case 'text':
      return {
        '200': { description: r.description, ...headers, content: { [r.contentType]: { schema: { type: 'string' } } } },
      };
    case 'items':
      return {
        '200': { description: 'every item succeeded (a flat body: its item)', ...headers, content: json(ref(r.name)) },
        '207': { description: 'a bulk body with at least one failed item', ...headers, content: json(ref(r.name)) },
      };
    default:
      return { '200': { description: 'success', ...headers, content: json(ref(r.name)) } };
  }
}

const json = (schema: Json) => ({ 'application/json': { schema } });

/** The error responses, one per HTTP status, listing the catalogue codes each can carry. */
function errorResponses(op: OperationDoc): Json {
  const idempotent = takesIdempotencyKey(op);
  const keys = [...new Set([...(op.errors ?? []), ...(idempotent ? IDEMPOTENCY_ERRORS : []), ...ALWAYS[op.auth]])];
  const byHttp = new Map<number, ErrorKey[]>();
  for (const key of keys) byHttp.set(ERROR_CODES[key].http, [...(byHttp.get(ERROR_CODES[key].http) ?? []), key]);
  const out: Json = {};
  for (const [http, group] of [...byHttp].sort(([a], [b]) => a - b)) {
    const codes = group.map((k) => `${ERROR_CODES[k].code} ${k}`).join(', ');
    out[String(http)] = {
      description: `error_data.code: ${codes}`,
      ...(http === 429 && { headers: { ...RATE_HEADERS, 'Retry-After': { schema: { type: 'integer' } } } }),
      ...(http === 401 && op.auth === 'basic' && { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } }),
      ...(idempotent && !notReplayed(http) && { headers: REPLAYED }),
      content: json(ref('Error')),
    };
  }
  return out;
}

/** The request headers of an operation: its own, and `Idempotency-Key` where the middleware reads it. */
function headerParameters(op: OperationDoc): Json[] {
  const own = Object.entries(op.headers ?? {}).map(([name, h]) => ({
    name,
    in: 'header',
    required: h.required === true,
    description: h.description,
    schema: { type: 'string' },
  }));
  return takesIdempotencyKey(op) ? [...own, { $ref: '#/components/parameters/IdempotencyKey' }] : own;
}

function parameters(op: OperationDoc): Json[] {
  const path = [
    ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1]!,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...headerParameters(op),
  ];
  if (!op.query) return path;
  const q = jsonSchema(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
  const query = Object.entries(q.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: (q.required ?? []).includes(name),
    schema,
  }));
  return [...path, ...query];
}

/** Twilio posts its parameters form-encoded; the route reads a few, the signature covers them all. */
function formBody(fields: Record<string, FieldDoc>): Json {
  const entries = Object.entries(fields);
  const schema = {
    type: 'object',
    properties: Object.fromEntries(entries.map(([name, f]) => [name, { type: 'string', description: f.description }])),
    required: entries.filter(([, f]) => f.required).map(([name]) => name),
    additionalProperties: { type: 'string' },
  };
  return { required: true, content: { 'application/x-www-form-urlencoded': { schema } } };
}

function requestBody(op: OperationDoc): Json | undefined {
  if (op.body) return { required: true, content: json(jsonSchema(op.body, 'input')) };
  if (op.form) return formBody(op.form);
  if (!op.multipart) return undefined;
  const parts = Object.entries(op.multipart);
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: Object.fromEntries(
            parts.map(([name, p]) => [
              name,
              { type: 'string', description: p.description, ...(p.file && { format: 'binary' }) },
            ]),
          ),
          required: parts.filter(([, p]) => p.required).map(([name]) => name),
        },
      },
    },
  };
}

function operationObject(op: OperationDoc): Json {
  const body = requestBody(op);
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    security: op.auth === 'basic' ? [{ basicAuth: [] }] : [],
    parameters: parameters(op),
    ...(body && { requestBody: body }),
    responses: { ...successResponses(op), ...errorResponses(op) },
  };
}

/**
 * The response envelopes as components, generated from zod through one registry, and the account's
 * calling-window settings the campaign operations refer to (accounts are provisioned outside the API).
 */
function componentSchemas(): Json {
  const registry = z.registry<{ id: string }>();
  registry.add(errorEnvelope, { id: 'Error' });
  registry.add(accountCallingWindowSchema, { id: 'AccountCallingWindow' });
  const seen = new Set<string>(['Error', 'AccountCallingWindow']);
  for (const op of OPERATIONS) {
    const r = op.response;
    if (!('name' in r) || seen.has(r.name)) continue;
    seen.add(r.name);
    registry.add(envelopeOf(r), { id: r.name });
  }
  const { schemas } = z.toJSONSchema(registry, {
    io: 'output',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: dropSafeIntegerBounds,
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

/** Builds the whole document for a deployment whose public base URL is `publicUrl`. */
export function buildOpenApiDocument(opts: { publicUrl: string; version?: string }): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Outcall',
      version: opts.version ?? '2',
      summary: "Outbound voice campaigns on Temporal, wire-compatible with Exotel's Campaigns v2 API",
      description:
        'Every JSON response is the Exotel envelope (`request_id`, `method`, `http_code`, `response`). ' +
        'Errors carry a stable `error_data.code` (README "Error codes") and a description naming the field.',
    },
    // Relative first, so "Try it out" on /docs goes to whatever host served the page.
    servers: [
      { url: '/', description: 'this server' },
      { url: opts.publicUrl, description: 'OUTCALL_PUBLIC_URL' },
    ],
    tags: TAGS,
    paths,
    components: {
      parameters: {
        IdempotencyKey: {
          name: IDEMPOTENCY_HEADER,
          in: 'header',
          required: false,
          description:
            'Per account, 24 h: a repeat with the same method, path, query and body gets the first answer ' +
            `again (with ${REPLAYED_HEADER}: true) and creates nothing; the key on another request is 409 (4005)`,
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]+$' },
        },
      },
      securitySchemes: {
        basicAuth: { type: 'http', scheme: 'basic', description: 'user = API key, password = API token (SPEC §1)' },
      },
      headers: {
        RateLimitLimit: { description: 'requests allowed per 60 s', schema: { type: 'integer' } },
        RateLimitRemaining: { description: 'requests left in the window', schema: { type: 'integer' } },
        RateLimitReset: {
          description: 'Unix seconds when the oldest counted request leaves',
          schema: { type: 'integer' },
        },
        IdempotentReplayed: {
          description: `\`true\` when this is the kept answer of an earlier request with this ${IDEMPOTENCY_HEADER}`,
          schema: { type: 'string', enum: ['true'] },
        },
      },
      schemas: componentSchemas(),
    },
  };
}
